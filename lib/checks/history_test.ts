// The read-consistency checker on hand-built histories: each anomaly alone, none at all,
// and the edge cases that must not count (concurrent writes, failed writes, reads that
// overlap the write they miss).

import assert from "node:assert/strict";
import { checkHistory, type HistoryOp } from "./history.ts";

const w = (
  session: string,
  key: string,
  value: number,
  invokeMs: number,
  completeMs: number,
  ok = true,
): HistoryOp => ({ session, type: "write", key, value, invokeMs, completeMs, ok });
const r = (
  session: string,
  key: string,
  value: number | null,
  invokeMs: number,
  completeMs: number,
  node = "replica1",
): HistoryOp => ({ session, type: "read", key, value, invokeMs, completeMs, node });

Deno.test("a clean history: no anomaly", () => {
  const v = checkHistory([
    w("a", "k", 1, 0, 1),
    r("a", "k", 1, 2, 3),
    w("b", "k", 2, 4, 5),
    r("a", "k", 2, 6, 7),
    r("b", "k", 2, 6, 7, "replica2"),
    r("c", "j", null, 0, 1), // nothing written to j: null is fresh
  ]);
  assert.equal(v.valid, true, v.examples.join("; "));
  assert.equal(v.reads, 4);
  assert.equal(v.writes, 2);
  assert.deepEqual(v.anomalies, {
    stale_read: 0,
    read_your_writes: 0,
    monotonic_read: 0,
    non_linearizable_read: 0,
    phantom_read: 0,
  });
  assert.deepEqual(v.examples, []);
});

Deno.test("reads concurrent with a write may see either version", () => {
  const v = checkHistory([
    w("a", "k", 1, 0, 1),
    w("a", "k", 2, 10, 20),
    r("b", "k", 1, 12, 13), // before the ack of 2: old is fine
    r("c", "k", 2, 12, 21), // also fine: 2 was in flight
    // Invoked before the ack at 20, and while c's read of 2 was still running (had that read
    // completed first, this one would be a non-linearizable read).
    r("d", "k", 1, 19, 25),
  ]);
  assert.equal(v.valid, true, v.examples.join("; "));
});

Deno.test("stale read: another session's acknowledged write is missed", () => {
  const v = checkHistory([
    w("a", "k", 1, 0, 1),
    w("a", "k", 2, 2, 3),
    r("b", "k", 1, 5, 6),
  ]);
  assert.equal(v.valid, false);
  assert.equal(v.anomalies.stale_read, 1);
  assert.equal(v.anomalies.read_your_writes, 0, "b wrote nothing");
  assert.equal(v.anomalies.monotonic_read, 0);
  assert.equal(v.rates.stale_read, 1);
  assert.equal(v.meanVersionsBehind, 1);
  assert.match(v.examples[0], /^stale_read: session b read key k on replica1 = 1 .*version 2/);
});

Deno.test("read-your-writes: a session misses its own write (and that read is stale)", () => {
  const v = checkHistory([
    w("a", "k", 1, 0, 1),
    r("a", "k", null, 2, 3),
    r("a", "x", null, 2, 3), // another key: fine
  ]);
  assert.equal(v.anomalies.read_your_writes, 1);
  assert.equal(v.anomalies.stale_read, 1);
  assert.equal(v.anomalies.monotonic_read, 0);
  assert.equal(v.rates.read_your_writes, 0.5);
  assert.ok(v.examples.some((e) => /^read_your_writes: .*nothing.*writing version 1/.test(e)));
});

Deno.test("monotonic reads: a later read goes back in time", () => {
  // The write is acknowledged only at 100, so no read is stale in real time; but session b
  // saw version 2 on replica1 and then version 1 on replica2.
  const v = checkHistory([
    w("a", "k", 1, 0, 1),
    w("a", "k", 2, 5, 100),
    r("b", "k", 2, 10, 11, "replica1"),
    r("b", "k", 1, 12, 13, "replica2"),
  ]);
  assert.equal(v.anomalies.monotonic_read, 1);
  assert.equal(v.anomalies.stale_read, 0);
  assert.equal(v.anomalies.read_your_writes, 0);
  assert.match(
    v.examples[0],
    /^monotonic_read: session b read key k on replica2 = 1 .*read version 2/,
  );
});

Deno.test("one session's reads are ordered by invocation, even if their recorded times overlap", () => {
  // A session runs one operation at a time, so the read invoked at 12 came after the one
  // invoked at 10 whatever the recorded completions say; reads of different sessions that
  // overlap stay unordered.
  const v = checkHistory([
    w("a", "k", 1, 0, 1),
    w("a", "k", 2, 5, 100),
    r("b", "k", 2, 10, 15),
    r("b", "k", 1, 12, 13),
    r("c", "k", 2, 10, 15),
    r("d", "k", 1, 12, 13),
  ]);
  assert.equal(v.anomalies.monotonic_read, 1, v.examples.join("; "));
  assert.match(v.examples[0], /^monotonic_read: session b /);
});

Deno.test("failed writes need not be seen, but may be", () => {
  const v = checkHistory([
    w("a", "k", 1, 0, 1),
    w("a", "k", 2, 2, 3, false), // timed out: unknown
    r("b", "k", 1, 5, 6),
    r("c", "k", 2, 5, 6),
  ]);
  assert.equal(v.valid, true, v.examples.join("; "));
});

Deno.test("phantom read: a version nobody wrote", () => {
  const v = checkHistory([w("a", "k", 1, 0, 1), r("b", "k", 7, 2, 3)]);
  assert.equal(v.anomalies.phantom_read, 1);
  assert.equal(v.valid, false);
});

Deno.test("many violations: all counted, examples bounded", () => {
  const h: HistoryOp[] = [w("a", "k", 1, 0, 1), w("a", "k", 2, 2, 3)];
  for (let i = 0; i < 20; i++) h.push(r("a", "k", 1, 10 + i * 2, 11 + i * 2));
  const v = checkHistory(h, 3);
  assert.equal(v.anomalies.stale_read, 20);
  assert.equal(v.anomalies.read_your_writes, 20);
  assert.equal(v.examples.length, 3);
  assert.equal(v.reads, 20);
});

Deno.test("an empty history is valid with zero rates", () => {
  const v = checkHistory([]);
  assert.equal(v.valid, true);
  assert.equal(v.rates.stale_read, 0);
});

Deno.test("verdicts broken down by group", () => {
  const h: HistoryOp[] = [
    w("a", "k", 1, 0, 1),
    { ...r("a", "k", null, 2, 3), group: "delay 0" },
    { ...r("a", "k", 1, 4, 5), group: "delay 5" },
    { ...r("b", "k", 1, 4, 5), group: "delay 5" },
  ];
  const v = checkHistory(h);
  assert.deepEqual(v.byGroup["delay 0"], {
    reads: 1,
    anomalies: {
      stale_read: 1,
      read_your_writes: 1,
      monotonic_read: 0,
      non_linearizable_read: 0,
      phantom_read: 0,
    },
  });
  assert.equal(v.byGroup["delay 5"].reads, 2);
  assert.equal(v.byGroup["delay 5"].anomalies.stale_read, 0);
});

Deno.test("session order, not strict real time, orders one session's operations", () => {
  // Same-session operations whose timestamps tie (coarse clock, or a read invoked the moment
  // the write completed) are still one after the other: the later one must see the earlier.
  const ryw = checkHistory([
    w("a", "k", 1, 0, 5),
    r("a", "k", null, 5, 6), // invoked when the write completed: its own write is missed
    w("a", "j", 1, 7, 7),
    r("a", "j", null, 7, 7), // every timestamp equal; history order puts the write first
  ]);
  assert.equal(ryw.anomalies.read_your_writes, 2, ryw.examples.join("; "));
  // Not stale: in real time the write and the read are concurrent for other sessions' sake.
  assert.equal(ryw.anomalies.stale_read, 0);

  const mono = checkHistory([
    w("a", "k", 1, 0, 1),
    w("a", "k", 2, 5, 100),
    r("b", "k", 2, 10, 12),
    r("b", "k", 1, 12, 13), // invoked when the first read completed: must not go back
  ]);
  assert.equal(mono.anomalies.monotonic_read, 1, mono.examples.join("; "));

  // A read that comes first in its session need not see the session's next write, even when
  // the times tie.
  const before = checkHistory([r("a", "k", null, 3, 3), w("a", "k", 1, 3, 3)]);
  assert.equal(before.valid, true, before.examples.join("; "));
});

Deno.test("versions behind counts distinct versions, not the writes that put them", () => {
  // Version 2 written twice (a retry, or two sessions), version 3 once: a read of 1 after all
  // three acknowledgements is two versions behind, not three. The in-flight 4 does not count.
  const v = checkHistory([
    w("a", "k", 1, 0, 1),
    w("a", "k", 2, 2, 3),
    w("b", "k", 2, 2, 4),
    w("b", "k", 3, 5, 6),
    w("b", "k", 4, 7, 50),
    r("c", "k", 1, 10, 11),
  ]);
  assert.equal(v.anomalies.stale_read, 1);
  assert.equal(v.meanVersionsBehind, 2);
  assert.match(v.examples[0], /\(2 acknowledged versions missed\)/);
});

Deno.test("non-linearizable read: older than a read that had already completed", () => {
  // Version 2 is in flight until 100, so no read is stale; but b's read of 2 completed at 11
  // and c's read, invoked at 12, returned 1: real-time order among reads is broken. d's read
  // overlaps b's and may return either.
  const v = checkHistory([
    w("a", "k", 1, 0, 1),
    w("a", "k", 2, 5, 100),
    r("b", "k", 2, 10, 11, "replica1"),
    r("d", "k", 1, 10.5, 12, "replica2"),
    r("c", "k", 1, 12, 13, "replica2"),
    r("c", "j", null, 12, 13), // another key: nothing to compare with
  ]);
  assert.equal(v.valid, false, "a read went back in real time");
  assert.equal(v.anomalies.non_linearizable_read, 1);
  assert.equal(v.anomalies.stale_read, 0);
  assert.equal(v.anomalies.monotonic_read, 0, "different sessions");
  assert.match(
    v.examples[0],
    /^non_linearizable_read: session c read key k on replica2 = 1 .*version 2 had been read/,
  );
  // Within one session the same read is also a monotonic-read violation.
  const own = checkHistory([
    w("a", "k", 1, 0, 1),
    w("a", "k", 2, 5, 100),
    r("b", "k", 2, 10, 11),
    r("b", "k", 1, 12, 13),
  ]);
  assert.equal(own.anomalies.non_linearizable_read, 1);
  assert.equal(own.anomalies.monotonic_read, 1);
});

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
    phantom_read: 0,
  });
  assert.deepEqual(v.examples, []);
});

Deno.test("reads concurrent with a write may see either version", () => {
  const v = checkHistory([
    w("a", "k", 1, 0, 1),
    w("a", "k", 2, 10, 20),
    r("b", "k", 1, 12, 13), // before the ack of 2: old is fine
    r("c", "k", 2, 12, 13), // also fine: 2 was in flight
    r("d", "k", 1, 19, 25), // invoked before the ack at 20
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

Deno.test("overlapping reads of one session are not ordered", () => {
  const v = checkHistory([
    w("a", "k", 1, 0, 1),
    w("a", "k", 2, 5, 100),
    r("b", "k", 2, 10, 15),
    r("b", "k", 1, 12, 13), // began before the first read completed
  ]);
  assert.equal(v.valid, true, v.examples.join("; "));
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
    anomalies: { stale_read: 1, read_your_writes: 1, monotonic_read: 0, phantom_read: 0 },
  });
  assert.equal(v.byGroup["delay 5"].reads, 2);
  assert.equal(v.byGroup["delay 5"].anomalies.stale_read, 0);
});

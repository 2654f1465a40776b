// The failover checkers on hand-built histories: a clean handover, lost acknowledged writes,
// two primaries at once, the unavailability window, and lost updates on counters.
import assert from "node:assert/strict";
import {
  decodeIds,
  encodeIds,
  type FailoverOp,
  isMultiPrimary,
  lostUpdates,
  lostWrites,
  twoPrimaries,
  unavailability,
} from "./failover.ts";

function w(
  key: number,
  node: string,
  t: number,
  outcome: FailoverOp["outcome"] = "ok",
): FailoverOp {
  return {
    session: node,
    node,
    f: "write",
    key,
    value: key,
    invokeMs: t,
    completeMs: t + 1,
    outcome,
  };
}
function fault(text: string, node: string, t: number): FailoverOp {
  return {
    session: "nemesis",
    node,
    f: "fault",
    key: 0,
    value: text,
    invokeMs: t,
    completeMs: t,
    outcome: "ok",
  };
}
function final(ids: number[]): FailoverOp {
  return {
    session: "checker",
    node: "n2",
    f: "final_read",
    key: 0,
    value: encodeIds(ids),
    invokeMs: 999,
    completeMs: 999,
    outcome: "ok",
  };
}

Deno.test("id ranges round-trip", () => {
  const ids = [5, 1, 2, 3, 9, 10, 12];
  assert.equal(encodeIds(ids), "1-3 5 9-10 12");
  assert.deepEqual([...decodeIds(encodeIds(ids))].sort((a, b) => a - b), [1, 2, 3, 5, 9, 10, 12]);
  assert.equal(decodeIds("").size, 0);
});

Deno.test("a clean handover: nothing lost, one primary at a time, the gap measured", () => {
  const h = [
    w(1, "n1", 0),
    w(2, "n1", 10),
    fault("kill n1", "n1", 20),
    w(3, "n1", 21, "fail"),
    w(4, "n2", 500, "fail"),
    w(5, "n2", 5000),
    w(6, "n2", 5010),
    final([1, 2, 5, 6]),
  ];
  const lw = lostWrites(h);
  assert.equal(lw.acked, 4);
  assert.equal(lw.lost, 0);
  assert.equal(lw.phantom, 0);
  assert.equal(twoPrimaries(h).found, false);
  assert.deepEqual(twoPrimaries(h).nodes, ["n1", "n2"]);
  const [u] = unavailability(h);
  assert.equal(u.unavailableMs, 5001 - 20);
  assert.equal(u.nextPrimary, "n2");
  assert.equal(u.isolatedAcks, 0);
});

Deno.test("lost acknowledged writes are counted per node, unknown ones are not lost", () => {
  const h = [
    w(1, "n1", 0),
    w(2, "n1", 10),
    w(3, "n1", 15, "info"),
    fault("kill n1", "n1", 20),
    w(4, "n2", 3000),
    final([1, 3, 4, 77]),
  ];
  const lw = lostWrites(h);
  assert.equal(lw.lost, 1);
  assert.deepEqual(lw.lostByNode, { n1: 1 });
  assert.equal(lw.unknown, 1);
  assert.equal(lw.unknownPersisted, 1);
  assert.equal(lw.phantom, 1);
  assert.match(lw.examples[0], /id 2 acked by n1/);
  assert.throws(() => lostWrites(h.slice(0, -1)), /no final read/);
});

Deno.test("two primaries: the isolated node keeps acknowledging after the new one began", () => {
  const h = [
    w(1, "n1", 0),
    fault("partition n1", "n1", 10),
    w(2, "n1", 100),
    w(3, "n2", 4000),
    w(4, "n1", 4500),
    w(5, "n2", 4600),
    final([1, 3, 5]),
  ];
  const t = twoPrimaries(h);
  assert.equal(t.found, true);
  assert.equal(t.overlapMs, 4501 - 4001);
  assert.match(t.examples[0], /n1 acked 1 write/);
  const [u] = unavailability(h);
  assert.equal(u.isolatedAcks, 2);
  assert.equal(u.isolatedAckMs, 4501 - 10);
  assert.equal(lostWrites(h).lost, 2);
});

Deno.test("lost updates: duplicate reads and a final value short of the commits", () => {
  const inc = (
    key: number,
    session: string,
    read: number,
    t: number,
    outcome: FailoverOp["outcome"] = "ok",
  ): FailoverOp => ({
    session,
    node: session,
    f: "incr",
    key,
    value: read,
    invokeMs: t,
    completeMs: t + 2,
    outcome,
  });
  const fin = (key: number, v: number): FailoverOp => ({
    session: "checker",
    node: "n1",
    f: "final_read",
    key,
    value: v,
    invokeMs: 99,
    completeMs: 99,
    outcome: "ok",
  });
  const good = [
    inc(1, "a", 0, 0),
    inc(1, "b", 1, 5),
    inc(1, "a", 2, 9),
    inc(1, "b", 3, 11, "info"),
    fin(1, 4),
  ];
  assert.equal(lostUpdates(good).valid, true);
  assert.equal(lostUpdates(good).committed, 3);
  const bad = [inc(1, "a", 0, 0), inc(1, "b", 0, 1), inc(1, "a", 1, 9), fin(1, 2)];
  const v = lostUpdates(bad);
  assert.equal(v.valid, false);
  assert.equal(v.duplicateReads, 1);
  assert.equal(v.sameNodeDuplicates, 0); // sessions a and b name different nodes
  assert.equal(v.missingFromFinal, 1);
  assert.match(v.examples[0], /both committed 0 -> 1/);
});

Deno.test("multi-primary: sides of the cut are judged, writes in flight at the cut are not", () => {
  const cut = { ...fault("partition n1", "n1", 100), completeMs: 110 };
  // Every node acknowledges before the cut; n2's write in flight at the cut completes at 106.
  const base = [w(1, "n1", 10), w(2, "n2", 11), w(3, "n3", 12), cut, w(4, "n2", 105)];
  const minorityRefuses = [...base, w(5, "n1", 200, "fail"), w(6, "n2", 5000), w(7, "n3", 5010)];
  assert.equal(isMultiPrimary(minorityRefuses), true);
  assert.equal(twoPrimaries(minorityRefuses).found, false);
  const u = unavailability(minorityRefuses)[0];
  assert.equal(u.unavailableMs, 4901); // the write invoked at 5000, not the one in flight
  assert.equal(u.isolatedAcks, 0);
  assert.equal(u.isolatedRefusedMs, 101); // n1 refused the write it was sent at 200
  // After the heal the rejoined node takes writes again: neither split brain nor isolated.
  const rejoined = [...minorityRefuses, fault("heal n1", "n1", 8000), w(10, "n1", 9000)];
  rejoined.push(w(11, "n2", 9010));
  assert.equal(twoPrimaries(rejoined).found, false);
  assert.equal(unavailability(rejoined)[0].isolatedAcks, 0);
  const splitBrain = [...minorityRefuses, w(8, "n1", 5020), w(9, "n2", 5030)];
  assert.equal(twoPrimaries(splitBrain).found, true);
  assert.equal(unavailability(splitBrain)[0].isolatedAcks, 1);
  // A single-primary history (replicas refuse before the fault) keeps the per-node rules.
  const single = [w(1, "n1", 10), w(2, "n2", 11, "fail"), cut, w(3, "n2", 105)];
  assert.equal(isMultiPrimary(single), false);
  assert.equal(unavailability(single)[0].unavailableMs, 6);
});

// The recovery checkers on hand-built histories: an exact PITR passes, one missing or one
// extra write fails, in-flight writes are never judged, and crash losses are counted.

import assert from "node:assert/strict";
import { type AckedWrite, checkCrashLoss, checkPitr } from "./recovery.ts";

// Writes every 10 ms, each acknowledged 4 ms after it was sent; target at 55 ms.
const history: AckedWrite[] = Array.from({ length: 10 }, (_, i) => ({
  key: `w${i}`,
  invokeMs: i * 10,
  ackMs: i * 10 + 4,
}));
// w5 was sent at 50 and acknowledged at 54: before the target. w6 begins at 60: after.
const exact = new Set(["w0", "w1", "w2", "w3", "w4", "w5"]);

Deno.test("checkPitr: exactly the writes before the target is valid", () => {
  const v = checkPitr(history, 55, exact);
  assert.equal(v.valid, true);
  assert.equal(v.before, 6);
  assert.equal(v.after, 4);
  assert.equal(v.inFlight, 0);
});

Deno.test("checkPitr: a write in flight at the target may go either way", () => {
  // Target 52: w5 (50 → 54) was in flight.
  for (const found of [exact, new Set([...exact].filter((k) => k !== "w5"))]) {
    const v = checkPitr(history, 52, found);
    assert.equal(v.valid, true);
    assert.equal(v.inFlight, 1);
  }
});

Deno.test("checkPitr: a missing, a late or a foreign write fails", () => {
  const missing = checkPitr(history, 55, new Set([...exact].filter((k) => k !== "w2")));
  assert.equal(missing.valid, false);
  assert.equal(missing.missingBefore, 1);
  assert.match(missing.examples[0], /missing w2/);

  const late = checkPitr(history, 55, new Set([...exact, "w7"]));
  assert.equal(late.valid, false);
  assert.equal(late.presentAfter, 1);

  const foreign = checkPitr(history, 55, new Set([...exact, "zz"]));
  assert.equal(foreign.valid, false);
  assert.equal(foreign.foreign, 1);
});

Deno.test("checkPitr: an unacknowledged write before the target is not required", () => {
  const h = history.map((w) => (w.key === "w3" ? { ...w, ackMs: undefined } : w));
  const v = checkPitr(h, 55, new Set([...exact].filter((k) => k !== "w3")));
  assert.equal(v.valid, true);
  assert.equal(v.inFlight, 1);
});

Deno.test("checkCrashLoss: counts the acknowledged writes gone and their span", () => {
  const none = checkCrashLoss(history, new Set(history.map((w) => w.key)));
  assert.equal(none.noLoss, true);
  assert.equal(none.lost, 0);

  // The last three are gone: lost span from w7's ack (74) to the last ack (94).
  const tail = checkCrashLoss(history, new Set(history.slice(0, 7).map((w) => w.key)));
  assert.equal(tail.noLoss, false);
  assert.equal(tail.acked, 10);
  assert.equal(tail.lost, 3);
  assert.equal(tail.lostSpanMs, 20);

  const h = [...history, { key: "w10", invokeMs: 100 }];
  const applied = checkCrashLoss(h, new Set(h.map((w) => w.key)));
  assert.equal(applied.noLoss, true);
  assert.equal(applied.unackedApplied, 1);

  const foreign = checkCrashLoss(history, new Set([...history.map((w) => w.key), "x"]));
  assert.equal(foreign.noLoss, false);
  assert.equal(foreign.foreign, 1);
});

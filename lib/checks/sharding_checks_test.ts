// The transfer and read-back checkers on hand-built good and bad cases.

import assert from "node:assert/strict";
import { checkTransfers, type TransferSnapshot } from "./transfers.ts";
import { checkReadBack } from "./readback.ts";

const good: TransferSnapshot = {
  accounts: [
    { id: 1, opening: 100, balance: 70 },
    { id: 2, opening: 100, balance: 130 },
    { id: 3, opening: 100, balance: 100 },
  ],
  transfers: [
    { from: 1, to: 2, amount: 30, outcome: "committed" },
    { from: 3, to: 1, amount: 500, outcome: "rejected" },
    { from: 2, to: 3, amount: 10, outcome: "compensated" },
  ],
  preparedLeft: 0,
  audits: [300, 300, 270, 300],
};

Deno.test("transfers: a conserved, fully accounted state is valid; half-done audits are counted", () => {
  const v = checkTransfers(good);
  assert.equal(v.valid, true, v.examples.join("; "));
  assert.deepEqual([v.committed, v.rejected, v.compensated], [1, 1, 1]);
  assert.deepEqual([v.auditsInconsistent, v.audits], [1, 4]);
});

Deno.test("transfers: lost, doubled, negative and in-doubt states are each reported", () => {
  // A compensation that never ran: money left account 2 and never came back.
  const halfSaga = checkTransfers({
    ...good,
    accounts: [good.accounts[0], { id: 2, opening: 100, balance: 120 }, good.accounts[2]],
  });
  assert.equal(halfSaga.valid, false);
  assert.equal(halfSaga.violations.total_not_conserved, 1);
  assert.equal(halfSaga.violations.balance_differs_from_transfers, 1);
  assert.match(halfSaga.examples.join(), /account 2: 120, transfers say 130/);
  // Conserved but applied twice on one side and not the other: only accounting catches it.
  const swapped = checkTransfers({
    ...good,
    accounts: [
      { id: 1, opening: 100, balance: 130 },
      { id: 2, opening: 100, balance: 70 },
      good.accounts[2],
    ],
  });
  assert.equal(swapped.violations.total_not_conserved, 0);
  assert.equal(swapped.violations.balance_differs_from_transfers, 2);
  const negative = checkTransfers({
    accounts: [{ id: 1, opening: 0, balance: -5 }, { id: 2, opening: 0, balance: 5 }],
    transfers: [{ from: 1, to: 2, amount: 5, outcome: "committed" }],
    preparedLeft: 2,
    audits: [],
  });
  assert.equal(negative.violations.negative_balance, 1);
  assert.equal(negative.violations.prepared_left_in_doubt, 1);
  assert.equal(negative.valid, false);
});

Deno.test("read-back: every acknowledged write found is valid; lost and wrong values are not", () => {
  const acked = new Map([["a", "1"], ["b", "2"], ["c", "3"]]);
  const ok = checkReadBack({
    acked,
    failed: new Map([["d", "4"], ["e", "5"]]),
    read: new Map([["a", "1"], ["b", "2"], ["c", "3"], ["d", "4"], ["e", null]]),
  });
  assert.equal(ok.valid, true);
  assert.equal(ok.failedButApplied, 1);
  const bad = checkReadBack({
    acked,
    failed: new Map([["e", "5"]]),
    read: new Map([["a", null], ["b", "old"], ["e", "6"]]),
  });
  assert.equal(bad.valid, false);
  assert.deepEqual([bad.lost, bad.wrong, bad.unread], [1, 2, 1]);
  assert.match(bad.examples.join("\n"), /lost: a/);
  assert.match(bad.examples.join("\n"), /wrong: b holds "old"/);
});

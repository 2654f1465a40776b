// The CQRS and saga checkers on hand-built good and bad cases.

import assert from "node:assert/strict";
import { checkProjection } from "./projections.ts";
import { checkSagas, type SagaRecord, type StockRecord } from "./saga.ts";

const m = (o: Record<string, string>) => new Map(Object.entries(o));

Deno.test("projections: an equal read model is valid", () => {
  const v = checkProjection("sales", m({ 1: "3", 2: "0" }), m({ 1: "3", 2: "0" }));
  assert.equal(v.valid, true);
  assert.equal(v.keys, 2);
});

Deno.test("projections: lost, doubled and phantom updates are each named", () => {
  const v = checkProjection(
    "sales",
    m({ 1: "6", 2: "1", 9: "1" }),
    m({ 1: "3", 2: "2", 3: "1" }),
  );
  assert.equal(v.valid, false);
  assert.deepEqual([v.missing, v.phantom, v.differing, v.over, v.under], [1, 1, 2, 1, 1]);
  assert.ok(v.examples.some((e) => e.includes("1 is 6, rebuild 3")));
  const s = checkProjection("order_status", m({ 7: "paid@3" }), m({ 7: "shipped@4" }));
  assert.deepEqual([s.valid, s.differing, s.over, s.under], [false, 1, 0, 0]);
});

const ok: SagaRecord[] = [
  {
    saga: 1,
    outcome: "completed",
    startMs: 0,
    endMs: 40,
    orderStatus: "shipped",
    held: 0,
    captures: 1,
    refunds: 0,
    shipped: true,
  },
  {
    saga: 2,
    outcome: "compensated",
    startMs: 0,
    endMs: 50,
    orderStatus: "cancelled",
    held: 0,
    captures: 1,
    refunds: 1,
    shipped: false,
  },
  {
    saga: 3,
    outcome: "compensated",
    startMs: 5,
    endMs: 9,
    orderStatus: "cancelled",
    held: 0,
    captures: 0,
    refunds: 0,
    shipped: false,
  },
];
const stock: StockRecord[] = [{ id: 1, initial: 10, stock: 9, held: 0, sold: 1 }];

Deno.test("saga: completed and compensated sagas with stock conserved are valid", () => {
  const v = checkSagas(ok, stock, 1000);
  assert.equal(v.valid, true, v.examples.join("; "));
  assert.deepEqual([v.sagas, v.completed, v.compensated, v.maxDurationMs], [3, 1, 2, 50]);
});

Deno.test("saga: every broken invariant is found", () => {
  const bad: SagaRecord[] = [
    { ...ok[0], saga: 10, outcome: "open" },
    { ...ok[0], saga: 11, endMs: 5000 },
    { ...ok[2], saga: 12, held: 2 },
    { ...ok[2], saga: 13, captures: 1 },
    { ...ok[0], saga: 14, captures: 2 },
  ];
  const v = checkSagas(bad, [{ id: 1, initial: 10, stock: 8, held: 0, sold: 1 }], 1000, 20);
  assert.equal(v.valid, false);
  assert.equal(v.violations.not_ended, 1);
  assert.equal(v.violations.over_bound, 1);
  assert.equal(v.violations.stock_held_for_cancelled, 1);
  assert.equal(v.violations.capture_without_order, 1);
  assert.equal(v.violations.double_charge, 1);
  assert.equal(v.violations.completed_inconsistent, 1); // saga 14: net captures 2
  assert.equal(v.violations.compensated_inconsistent, 2); // 12 holds stock, 13 kept a capture
  assert.equal(v.violations.stock_not_conserved, 1);
});

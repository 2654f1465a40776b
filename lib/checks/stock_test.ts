import assert from "node:assert/strict";
import { checkStock, type StockSnapshot } from "./stock.ts";

function valid(): StockSnapshot {
  return {
    products: [{ id: 1, initialStock: 10, stock: 7, sold: 3 }, {
      id: 2,
      initialStock: 5,
      stock: 5,
      sold: 0,
    }],
    soldByLines: new Map([[1, 3]]),
    orders: [{
      id: 9,
      totalCents: 300,
      itemCount: 3,
      linesTotalCents: 300,
      linesItems: 3,
      lines: 1,
      paidCents: 300,
    }],
  };
}

Deno.test("a consistent final state is valid", () => {
  const v = checkStock(valid(), 1);
  assert.equal(v.valid, true);
  assert.equal(v.unitsSold, 3);
  assert.deepEqual(v.examples, []);
});

Deno.test("each anomaly is reported with an example, not thrown", () => {
  const s = valid();
  s.products[0].stock = -1; // oversold and not conserved
  s.orders[0].paidCents = null;
  s.orders[0].linesTotalCents = 200;
  const v = checkStock(s, 2);
  assert.equal(v.valid, false);
  assert.equal(v.violations.negative_stock, 1);
  assert.equal(v.violations.stock_not_conserved, 1);
  assert.equal(v.violations.payment_mismatch, 1);
  assert.equal(v.violations.order_total_mismatch, 1);
  assert.equal(v.violations.commit_count_mismatch, 1);
  assert.match(v.examples.join("\n"), /negative_stock: product 1: stock -1/);
});

Deno.test("sold must match the committed order lines", () => {
  const s = valid();
  s.soldByLines = new Map([[1, 2]]);
  const v = checkStock(s, 1);
  assert.equal(v.violations.sold_differs_from_orders, 1);
});

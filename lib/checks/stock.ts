/**
 * The OLTP invariants, judged on the final state after a run (like Jepsen's bank test:
 * money is conserved, here stock is): for every product stock + sold = initial stock, stock
 * never negative, sold equals the quantities in committed orders; every order's lines and
 * totals agree and it has exactly its payment; and the database holds exactly the orders
 * the clients saw commit. A violation is a reported result, never a crash.
 */

/** The final state of the checkout tables, as plain numbers. */
export interface StockSnapshot {
  products: { id: number; initialStock: number; stock: number; sold: number }[];
  /** Sum of ordered quantity per product over the run's orders. */
  soldByLines: Map<number, number>;
  orders: {
    id: number;
    totalCents: number;
    itemCount: number;
    linesTotalCents: number;
    linesItems: number;
    lines: number;
    paidCents: number | null;
  }[];
}

/** Kinds of violation the check reports. */
export type StockViolationKind =
  | "stock_not_conserved"
  | "negative_stock"
  | "sold_differs_from_orders"
  | "order_total_mismatch"
  | "order_without_lines"
  | "payment_mismatch"
  | "commit_count_mismatch";

/** The verdict: valid or not, counts per kind, and a few examples to read. */
export interface StockVerdict {
  valid: boolean;
  violations: Record<StockViolationKind, number>;
  examples: string[];
  orders: number;
  unitsSold: number;
}

/**
 * Judge a snapshot. `committedByClients` is how many checkouts the clients saw commit; the
 * database must hold exactly that many orders (no lost or phantom commits).
 */
export function checkStock(
  snapshot: StockSnapshot,
  committedByClients: number,
  maxExamples = 5,
): StockVerdict {
  const violations: Record<StockViolationKind, number> = {
    stock_not_conserved: 0,
    negative_stock: 0,
    sold_differs_from_orders: 0,
    order_total_mismatch: 0,
    order_without_lines: 0,
    payment_mismatch: 0,
    commit_count_mismatch: 0,
  };
  const examples: string[] = [];
  const report = (kind: StockViolationKind, text: string) => {
    violations[kind]++;
    if (examples.length < maxExamples) examples.push(`${kind}: ${text}`);
  };
  let unitsSold = 0;
  for (const p of snapshot.products) {
    unitsSold += p.sold;
    if (p.stock + p.sold !== p.initialStock) {
      report(
        "stock_not_conserved",
        `product ${p.id}: stock ${p.stock} + sold ${p.sold} != ${p.initialStock}`,
      );
    }
    if (p.stock < 0) report("negative_stock", `product ${p.id}: stock ${p.stock}`);
    const ordered = snapshot.soldByLines.get(p.id) ?? 0;
    if (ordered !== p.sold) {
      report("sold_differs_from_orders", `product ${p.id}: sold ${p.sold}, ordered ${ordered}`);
    }
  }
  for (const o of snapshot.orders) {
    if (o.lines === 0) report("order_without_lines", `order ${o.id}`);
    if (o.totalCents !== o.linesTotalCents || o.itemCount !== o.linesItems) {
      report(
        "order_total_mismatch",
        `order ${o.id}: total ${o.totalCents} vs lines ${o.linesTotalCents}`,
      );
    }
    if (o.paidCents !== o.totalCents) {
      report("payment_mismatch", `order ${o.id}: paid ${o.paidCents}, total ${o.totalCents}`);
    }
  }
  if (snapshot.orders.length !== committedByClients) {
    report(
      "commit_count_mismatch",
      `database has ${snapshot.orders.length} orders, clients saw ${committedByClients} commit`,
    );
  }
  const valid = Object.values(violations).every((n) => n === 0);
  return { valid, violations, examples, orders: snapshot.orders.length, unitsSold };
}

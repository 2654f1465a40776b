/**
 * The OLTP experiment's database side, one implementation per SQL dialect: schema, bulk
 * load, the checkout transaction and the order-status read, reset between runs, and a
 * snapshot of the final state for the invariant check. PostgreSQL and CockroachDB share the
 * PostgreSQL dialect (CockroachDB is serializable and retries with SQLSTATE 40001 too).
 */

import type { Catalog } from "../../workload/generate.ts";
import type { StockSnapshot } from "../../checks/stock.ts";

/** Isolation levels the experiment sweeps. */
export const ISOLATION_LEVELS = ["read committed", "serializable"] as const;

/** An isolation level name as SQL spells it. */
export type Isolation = typeof ISOLATION_LEVELS[number];

/** What a checkout did: committed, or found a line out of stock and rolled back. */
export type CheckoutOutcome = "committed" | "out_of_stock";

/** One worker's connection: runs transactions at one isolation level. */
export interface OltpSession {
  /**
   * The checkout transaction: read the cart, lock and decrement stock for each line (never
   * below zero), insert the order and its lines, record the payment — all or nothing.
   */
  checkout(cartId: number, customerId: number): Promise<CheckoutOutcome>;
  /** Read one order's status, total and line count (the read half of the mix). */
  orderStatus(orderId: number): Promise<void>;
  close(): Promise<void>;
}

/** Set-up, sessions and checks for one engine. */
export interface OltpStore {
  /** Create the schema and bulk-load the catalog, carts and historical orders. */
  load(catalog: Catalog, initialStock: number): Promise<{ rows: number; seconds: number }>;
  /** Remove the orders a run made and restore stock, so every run starts equal. */
  reset(): Promise<void>;
  /** Open one connection for a worker. */
  session(isolation: Isolation): Promise<OltpSession>;
  /** The final state the invariant check judges. */
  snapshot(): Promise<StockSnapshot>;
  close(): Promise<void>;
}

/** Historical orders of the catalog as loadable rows (ids 1..n). */
export const ORDER_COLUMNS = [
  "id",
  "customer_id",
  "status",
  "total_cents",
  "item_count",
  "created_at",
] as const;
/** Order lines as loadable rows. */
export const LINE_COLUMNS = [
  "order_id",
  "line_no",
  "product_id",
  "quantity",
  "price_cents",
] as const;

/**
 * What a store must offer the OLTP experiment (its binding interface): schema, bulk load, the
 * checkout transaction and the order-status read, reset between runs, and a snapshot of the
 * final state for the invariant check. One binding file per engine implements it; the
 * experiment (./mod.ts) sweeps what each binding declares.
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import { type Catalog, generateCarts, generateOrders, linesOf } from "../../workload/generate.ts";
import type { StockSnapshot } from "../../checks/stock.ts";
import type { Binding } from "../binding.ts";

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

/** A C tool that runs the same mix beside the harness (./peers.ts). */
export type PeerTool = "pgbench" | "sysbench";

/** An engine bound to the OLTP experiment. */
export interface OltpBinding extends Binding {
  /** The isolation levels it offers, as SQL spells them (the sweep runs each). */
  readonly isolation: readonly Isolation[];
  /** Peers that calibrate the harness on this engine (./calibration.ts); none: no calibration. */
  readonly peers?: readonly PeerTool[];
  /** The C client library the peers link on it (a column of the calibration rows). */
  readonly peerClient?: string;
  /** Database the peers connect to, when not the engine URL's. */
  readonly peerDatabase?: string;
  /** The client library the harness uses on it (a column of the calibration rows). */
  readonly client?: string;
  /**
   * Other clients the calibration runs the harness's mix through (tool `harness:<client>`),
   * to see which costs the least CPU per transaction.
   */
  readonly altClients?: readonly AltClient[];
  /** The store on a started engine. */
  store(engine: Engine): OltpStore;
}

/** The harness's session through another client library. */
export interface AltClient {
  client: string;
  session(engine: Engine, isolation: Isolation): Promise<OltpSession>;
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

/** One table of the initial data set: its name, its columns and its rows. */
export interface OltpTable {
  table: string;
  columns: readonly string[];
  rows: Iterable<object>;
}

/**
 * The initial data set of every OLTP store, in load order: products (every one starting at
 * `initialStock`), customers, carts and their lines, historical orders and their lines.
 * `timestamp` converts epoch milliseconds into what the engine's loader takes.
 */
export function oltpTables(
  catalog: Catalog,
  initialStock: number,
  timestamp: (ms: number) => unknown,
): OltpTable[] {
  const carts = [...generateCarts(catalog)];
  const orders = [...generateOrders(catalog)];
  return [
    {
      table: "products",
      columns: ["id", "category_id", "name", "price_cents", "initial_stock", "stock"],
      rows: catalog.products.map((p) => ({
        ...p,
        initial_stock: initialStock,
        stock: initialStock,
      })),
    },
    { table: "customers", columns: ["id", "email", "name", "country"], rows: catalog.customers },
    { table: "carts", columns: ["id", "customer_id"], rows: carts },
    {
      table: "cart_lines",
      columns: ["cart_id", "product_id", "quantity", "price_cents"],
      rows: linesOf(carts),
    },
    {
      table: "orders",
      columns: ["id", "customer_id", "status", "total_cents", "item_count", "created_at"],
      rows: orders.map((o) => ({ ...o, created_at: timestamp(o.created_at) })),
    },
    {
      table: "order_lines",
      columns: ["order_id", "line_no", "product_id", "quantity", "price_cents"],
      rows: linesOf(orders),
    },
  ];
}

/** Convert engine rows (whose bigints arrive as strings) into the checker's plain numbers. */
export function toSnapshot(
  products: Record<string, unknown>[],
  lineSums: Record<string, unknown>[],
  orders: Record<string, unknown>[],
): StockSnapshot {
  return {
    products: products.map((p) => ({
      id: Number(p.id),
      initialStock: Number(p.initial_stock),
      stock: Number(p.stock),
      sold: Number(p.sold),
    })),
    soldByLines: new Map(lineSums.map((r) => [Number(r.product_id), Number(r.quantity)])),
    orders: orders.map((o) => ({
      id: Number(o.id),
      totalCents: Number(o.total_cents),
      itemCount: Number(o.item_count),
      linesTotalCents: Number(o.lines_total),
      linesItems: Number(o.lines_items),
      lines: Number(o.lines),
      paidCents: o.paid_cents === null || o.paid_cents === undefined ? null : Number(o.paid_cents),
    })),
  };
}

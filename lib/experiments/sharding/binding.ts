/**
 * What a store must offer the partitioning-and-sharding experiment (YCSB's habit: the parts
 * know only these verbs; one binding file per engine implements them). A binding declares the
 * parts it serves by the capabilities it has, and every part plans from those declarations:
 *
 * - `partitioning` — tables range-partitioned by time inside one server (part 1);
 * - `shards` — one server per shard, the router in the harness (part 2);
 * - `pool` — a pool of cache nodes the client places keys on (part 3, rebalancing);
 * - `reshard` — a cluster that moves hash slots between its nodes while it serves (part 3);
 * - `sessions` — sessions and carts, single node or clustered (part 4).
 *
 * Engines that run as several servers (shards, pool nodes) can be given as external URLs in
 * the variable each capability names (a comma-separated list), so the same notebook runs on
 * real hosts.
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import type { Rng } from "../../workload/rng.ts";
import type { Binding } from "../binding.ts";

// ---- part 1: partitioning inside one server ------------------------------------------------

/** A time-ordered table of the experiment and how it is partitioned. */
export interface TimeTable {
  /** `events` (partitioned by day) or `orders` (by month). */
  name: string;
  /** Its time column. */
  timeColumn: string;
  /** Partition boundaries, epoch ms ascending: partition i holds [b[i], b[i+1]). */
  boundaries: readonly number[];
  /** Column names and SQL types, in load order (the time column among them). */
  columns: readonly (readonly [string, string])[];
  /** A numeric column the time-ranged aggregate sums. */
  sumColumn: string;
}

/** The three ways a time-ranged query is served. */
export const LAYOUTS = ["plain", "partitioned", "partitioned_no_pruning"] as const;

/** A layout of a table: one heap with a B-tree on time, or partitions (pruned or not). */
export type Layout = typeof LAYOUTS[number];

/** The work a query did, from the engine's own plan (independent of core count). */
export interface PlanFacts {
  /** Partitions (or the one table) the plan scanned. */
  partitionsScanned: number;
  /** Shared buffers hit or read. */
  buffers: number;
  planningMs: number;
  executionMs: number;
  rows: number;
}

/** What a retention step did to a layout. */
export interface RetentionFacts {
  ms: number;
  rowsRemoved: number;
  walBytes: number;
  bytesBefore: number;
  bytesAfter: number;
  /** Dead tuples, % of the table's bytes, right after the step. */
  deadPct: number;
  /** After VACUUM: the table's bytes and its free space (%), space kept but reusable. */
  bytesAfterVacuum: number;
  freePctAfterVacuum: number;
}

/** What partition maintenance (create, pre-make, retention) did. */
export interface MaintenanceFacts {
  createMs: number;
  partitionsCreated: number;
  /** Partitions made ahead of the newest data. */
  premade: number;
  maintenanceMs: number;
  partitionsDropped: number;
  rowsBefore: number;
  rowsAfter: number;
  /** Age of the oldest row kept, days. */
  oldestAgeDays: number;
  /** Rows that fell into the default partition (none expected). */
  defaultRows: number;
}

/** Partitioning verbs on one server. */
export interface PartitionStore {
  /** Create staging, plain and partitioned tables; COPY rows into staging; rows loaded. */
  stage(table: TimeTable, rows: Iterable<Record<string, unknown>>): Promise<number>;
  /** Bulk-insert the staged rows into a layout's table, then index it; seconds of each. */
  bulkInsert(
    table: TimeTable,
    layout: "plain" | "partitioned",
  ): Promise<{ insertS: number; indexS: number }>;
  /** Bytes of a layout's table with its indexes. */
  tableBytes(table: TimeTable, layout: "plain" | "partitioned"): Promise<number>;
  /** Refresh planner statistics of the layouts' tables. */
  analyze(tables: readonly TimeTable[]): Promise<void>;
  /** The plan of the time-ranged aggregate over [fromMs, toMs), executed once. */
  explainRange(table: TimeTable, layout: Layout, fromMs: number, toMs: number): Promise<PlanFacts>;
  /** Client-side latencies (ms) of `runs` executions of the time-ranged aggregate. */
  timeRange(
    table: TimeTable,
    layout: Layout,
    fromMs: number,
    toMs: number,
    runs: number,
  ): Promise<number[]>;
  /** Latencies (ms) of `n` single-row autocommit inserts at random times of the span. */
  rowInserts(table: TimeTable, target: string, n: number, rng: Rng): Promise<number[]>;
  /** A copy of the staged table split into `partitions` equal ranges, 1 row in `sample`. */
  partitionedCopy(
    table: TimeTable,
    partitions: number,
    sample: number,
  ): Promise<{ name: string; createS: number; rows: number }>;
  /** Planning and execution times (ms) of a query that prunes to one partition, or cannot. */
  planning(
    table: TimeTable,
    copy: string,
    kind: "pruned" | "unpruned",
    runs: number,
  ): Promise<{ planningMs: number[]; executionMs: number[] }>;
  /** Drop a copy made by {@link partitionedCopy}. */
  dropCopy(copy: string): Promise<void>;
  /** Remove everything before `keepFromMs`: DELETE on the plain table, DROP on partitions. */
  retention(
    table: TimeTable,
    keepFromMs: number,
  ): Promise<Record<"plain" | "partitioned", RetentionFacts>>;
  /** A table kept by the engine's partition maintenance: recent data, retention, pre-making. */
  maintenance(
    table: TimeTable,
    days: number,
    retentionDays: number,
    sample: number,
  ): Promise<MaintenanceFacts>;
  close(): Promise<void>;
}

// ---- part 2: shards ------------------------------------------------------------------------

/** An order row as the shards store it. */
export interface OrderRow {
  id: number;
  customer_id: number;
  region: string;
  status: string;
  total_cents: number;
  created_at: number;
}

/** One shard's connection for the measured loops (one operation at a time). */
export interface ShardSession {
  /** Insert one order. */
  placeOrder(o: OrderRow): Promise<void>;
  /** One order by id. */
  orderById(id: number): Promise<unknown>;
  /** A customer's 10 most recent orders. */
  listOrders(customerId: number): Promise<unknown[]>;
  /** The 10 most recent orders of the shard (the scatter leg of a global "latest orders"). */
  latestOrders(limit: number): Promise<{ id: number; created_at: number }[]>;
  close(): Promise<void>;
}

/** A cross-shard money transfer's two legs, done one of two ways. */
export interface TransferLegs {
  /** Debit `amount` from `account` on this shard if its balance allows; false if not. */
  debit(account: number, amount: number): Promise<boolean>;
  /** Credit `amount` to `account` unless it is frozen; false if it is. */
  credit(account: number, amount: number): Promise<boolean>;
  /** Give `amount` back to `account`, frozen or not (a saga's compensation). */
  refund(account: number, amount: number): Promise<void>;
}

/** A shard connection that can take part in a two-phase commit. */
export interface TwoPhaseSession extends TransferLegs {
  begin(): Promise<void>;
  /** PREPARE TRANSACTION `gid`. */
  prepare(gid: string): Promise<void>;
  commitPrepared(gid: string): Promise<void>;
  rollback(): Promise<void>;
  rollbackPrepared(gid: string): Promise<void>;
  /** Sum of balances on this shard (one statement). */
  total(): Promise<number>;
  close(): Promise<void>;
}

/** Load counters a shard keeps itself. */
export interface ShardCounters {
  /** Statements served against the orders table (index/sequential scans and inserts). */
  orderQueries: number;
}

/** One shard's admin verbs. */
export interface ShardAdmin {
  /** Create the orders and accounts tables, empty. */
  reset(): Promise<void>;
  /** Bulk-load orders (already routed here). */
  loadOrders(rows: readonly OrderRow[]): Promise<void>;
  /** Open accounts with a balance; `frozen` ones refuse credits. */
  loadAccounts(rows: readonly { id: number; balance: number; frozen: boolean }[]): Promise<void>;
  counters(): Promise<ShardCounters>;
  /** Balances of every account. */
  balances(): Promise<Map<number, number>>;
  /** Prepared transactions still in doubt. */
  prepared(): Promise<number>;
  session(): Promise<ShardSession>;
  twoPhase(): Promise<TwoPhaseSession>;
  close(): Promise<void>;
}

/** A server-side proxy (PL/Proxy) routing the same queries on the database side. */
export interface ShardProxy {
  /** One connection to the proxy for a measured loop. */
  session(): Promise<Pick<ShardSession, "listOrders" | "latestOrders" | "close">>;
  close(): Promise<void>;
}

// ---- part 3: pools and clusters ------------------------------------------------------------

/** One cache node as a pool client talks to it. */
export interface PoolNode {
  /** The node's name in placement (host:port). */
  readonly name: string;
  setMany(entries: readonly (readonly [string, string])[]): Promise<void>;
  /** Values (null when missing) in key order. */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  /** The node's own get hit/miss counters. */
  counters(): Promise<{ hits: number; misses: number; items: number }>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** A cluster client that follows redirections while slots move. */
export interface ClusterClient {
  set(key: string, value: string): Promise<void>;
  get(key: string): Promise<string | null>;
  close(): Promise<void>;
}

/** A cluster's admin verbs for a reshard. */
export interface ReshardAdmin {
  /** Primaries by id with their slot counts. */
  primaries(): Promise<{ id: string; slots: number }[]>;
  /** Move `slots` slots from one primary to another; keys migrated and time taken. */
  moveSlots(
    from: string,
    to: string,
    slots: number,
  ): Promise<{ slots: number; keys: number; ms: number }>;
  /** Zero the redirection counters. */
  resetCounters(): Promise<void>;
  /** MOVED/ASK/TRYAGAIN answers the primaries gave since the last reset. */
  redirects(): Promise<{ moved: number; ask: number; tryagain: number; crossslot: number }>;
  /** Every hash slot is served by a healthy primary. */
  covered(): Promise<boolean>;
  client(): Promise<ClusterClient>;
  close(): Promise<void>;
}

// ---- part 4: sessions and carts ------------------------------------------------------------

/** Session and cart operations of one user, on one connection. */
export interface SessionClient {
  getSession(user: number): Promise<string | null>;
  setSession(user: number, value: string, ttlS: number): Promise<void>;
  addToCart(user: number, product: number, quantity: number): Promise<void>;
  /** Session, cart and recently viewed of a user in one multi-key read; `tagged` keys share a slot. */
  userPage(user: number, tagged: boolean): Promise<unknown[]>;
  /** Move a guest cart into the user's cart atomically (MULTI/EXEC); `tagged` as above. */
  mergeCart(user: number, tagged: boolean): Promise<void>;
  close(): Promise<void>;
}

/** Sessions on one engine. */
export interface SessionStore {
  /** True when the keys are spread over hash slots of several nodes. */
  readonly clustered: boolean;
  client(): Promise<SessionClient>;
  /** Store `users` users' session, cart and recent views (tagged and untagged key sets). */
  populate(users: number, ttlS: number): Promise<void>;
  /** Cross-slot refusals (CROSSSLOT) the engine answered since the last reset. */
  crossSlotRefusals(): Promise<number>;
  resetCounters(): Promise<void>;
  close(): Promise<void>;
}

// ---- the binding ---------------------------------------------------------------------------

/** An engine bound to the experiment, with the parts it serves. */
export interface ShardingBinding extends Binding {
  readonly partitioning?: {
    /** The engine's partition maintenance tool (recorded in rows). */
    readonly maintenanceTool: string;
    store(engine: Engine): Promise<PartitionStore>;
  };
  readonly shards?: {
    /** Variable listing external shard URLs, comma-separated (one per shard). */
    readonly urlsEnv: string;
    /** A database-side proxy exists (PL/Proxy): its name. */
    readonly proxy?: string;
    admin(engine: Engine): Promise<ShardAdmin>;
    /** The proxy over `shards` (power-of-two counts), hosted on `host`. */
    proxyOver?(host: Engine, shards: readonly Engine[]): Promise<ShardProxy>;
  };
  readonly pool?: {
    /** Variable listing external node URLs, comma-separated. */
    readonly urlsEnv: string;
    node(engine: Engine): Promise<PoolNode>;
  };
  readonly reshard?: {
    admin(engine: Engine): Promise<ReshardAdmin>;
  };
  readonly sessions?: {
    store(engine: Engine): Promise<SessionStore>;
  };
}

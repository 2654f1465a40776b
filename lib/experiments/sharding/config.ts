/**
 * Configuration of the partitioning-and-sharding experiment: what each part covers and how
 * long it runs, with defaults per scale sized so the default run fits about three minutes of
 * the main job on two shared cores. Bad values fail with one line prefixed `sharding:`.
 *
 * @module
 */

import { selectBindings } from "../binding.ts";
import type { ExperimentParams } from "../params.ts";
import { getScale } from "../../workload/scales.ts";
import type { ShardingBinding } from "./binding.ts";
import { SHARDING_BINDINGS } from "./bindings.ts";

/** Configuration of the experiment. */
export interface ShardingConfig extends ExperimentParams {
  /** The engines (default: every binding of ./bindings.ts). */
  bindings: readonly ShardingBinding[];
  partitioning: {
    /** Events (partitioned by day over the scale's window): the scale's event count. */
    events: number;
    /** Orders (partitioned by month). */
    orders: number;
    /** Months the orders span (one partition each). */
    orderMonths: number;
    /** Time ranges of the events queries, hours (ending at the newest event). */
    eventRangesH: readonly number[];
    /** Time ranges of the orders queries, days. */
    orderRangesD: readonly number[];
    /** Timed executions per query and repetition (their median is one row). */
    queryRuns: number;
    /** Single-row inserts per table and repetition. */
    rowInserts: number;
    /** Partition counts of the planning copies. */
    partitionCounts: readonly number[];
    /** One event in `planningSample` goes into each planning copy. */
    planningSample: number;
    /** Planning measurements per query kind and repetition. */
    planningRuns: number;
    /** Days of events removed by the retention step. */
    retentionDays: number;
    /** Days of recent events in the pg_partman table, and its retention (days). */
    maintenanceDays: number;
    maintenanceRetentionDays: number;
  };
  shards: {
    /** Shard counts measured (powers of two, for PL/Proxy). */
    counts: readonly number[];
    /** Zipf exponents of customer activity in the computed load model. */
    skews: readonly number[];
    /** Shard counts of the computed load model. */
    modelShards: readonly number[];
    /** The skew of the measured runs. */
    measuredSkew: number;
    concurrency: number;
    /** Seconds per measured latency loop (after a fifth of it as warm-up). */
    durationS: number;
    /** Requests of each measured skew run. */
    skewRequests: number;
    /** Cross-shard transfers: accounts, share of them frozen (credits fail), seconds per mode. */
    accounts: number;
    frozenShare: number;
    transferS: number;
  };
  rebalance: {
    /** Pool nodes before the join (one more joins). */
    nodes: number;
    /** Keys stored per scheme. */
    keys: number;
    /** Requests per hit-ratio window, Zipf-distributed over the keys. */
    requests: number;
    /** Windows measured after the join. */
    windows: number;
    zipf: number;
    /** Node counts n of the computed n → n+1 joins, and the keys they place. */
    computedNodes: readonly number[];
    computedKeys: number;
  };
  reshard: {
    /** Keys written before resharding (so slots carry data). */
    prefill: number;
    /** Slots moved per repetition. */
    slots: number;
    writers: number;
    /** Seconds of load before the move starts and after it ends. */
    baselineS: number;
    tailS: number;
    /** Width of a throughput bucket of the timeline (ms). */
    bucketMs: number;
  };
  sessions: {
    users: number;
    ttlS: number;
    zipf: number;
    concurrency: number;
    durationS: number;
  };
}

function fail(message: string): never {
  throw new Error(`sharding: ${message}`);
}

function int(name: string, v: number, min = 1, max = 1e9) {
  if (!Number.isInteger(v) || v < min || v > max) {
    fail(`${name} must be an integer ${min}..${max}, got ${v}`);
  }
}

function positive(name: string, v: number) {
  if (!(typeof v === "number" && Number.isFinite(v) && v > 0)) {
    fail(`${name} must be > 0, got ${v}`);
  }
}

function list(name: string, xs: readonly number[], check: (v: number) => void) {
  if (xs.length === 0) fail(`${name} must not be empty`);
  xs.forEach(check);
}

type Options =
  & Partial<Omit<ShardingConfig, "partitioning" | "shards" | "rebalance" | "reshard" | "sessions">>
  & {
    engines?: readonly string[];
    partitioning?: Partial<ShardingConfig["partitioning"]>;
    shards?: Partial<ShardingConfig["shards"]>;
    rebalance?: Partial<ShardingConfig["rebalance"]>;
    reshard?: Partial<ShardingConfig["reshard"]>;
    sessions?: Partial<ShardingConfig["sessions"]>;
  };

/** Defaults per scale, overridden by `options`; validated. */
export function shardingConfig(params: ExperimentParams, options: Options = {}): ShardingConfig {
  const quick = params.scale === "quick";
  const scale = getScale(params.scale);
  const { engines, partitioning, shards, rebalance, reshard, sessions, ...rest } = options;
  const config: ShardingConfig = {
    ...params,
    bindings: selectBindings("sharding", SHARDING_BINDINGS, engines),
    ...rest,
    partitioning: {
      events: scale.events,
      orders: quick ? 20_000 : 1_000_000,
      orderMonths: 24,
      eventRangesH: quick ? [1, 24, 168] : [1, 24, 168, 720],
      orderRangesD: [1, 30, 91, 365, 730],
      queryRuns: quick ? 2 : 3,
      rowInserts: quick ? 50 : 200,
      partitionCounts: quick ? [10, 100] : [10, 100, 1000],
      planningSample: 10,
      planningRuns: quick ? 3 : 5,
      retentionDays: quick ? 2 : 7,
      maintenanceDays: quick ? 7 : 30,
      maintenanceRetentionDays: quick ? 3 : 7,
      ...partitioning,
    },
    shards: {
      counts: quick ? [1, 2] : [1, 2, 4],
      skews: [0.5, 0.99, 1.2],
      modelShards: [1, 2, 4, 8, 16, 32],
      measuredSkew: 0.99,
      concurrency: 4,
      durationS: quick ? 0.3 : 0.6,
      skewRequests: quick ? 500 : 4000,
      accounts: quick ? 200 : 2000,
      frozenShare: 0.05,
      transferS: quick ? 0.4 : 1.5,
      ...shards,
    },
    rebalance: {
      nodes: quick ? 3 : 4,
      keys: quick ? 2_000 : 20_000,
      requests: quick ? 2_000 : 20_000,
      windows: 3,
      zipf: 0.99,
      computedNodes: [1, 2, 3, 4, 6, 8, 12, 16],
      computedKeys: quick ? 5_000 : 50_000,
      ...rebalance,
    },
    reshard: {
      prefill: quick ? 2_000 : 50_000,
      slots: quick ? 100 : 500,
      writers: 4,
      baselineS: quick ? 0.3 : 1,
      tailS: quick ? 0.3 : 1,
      bucketMs: 100,
      ...reshard,
    },
    sessions: {
      users: quick ? 500 : 10_000,
      ttlS: 1800,
      zipf: 0.99,
      concurrency: 4,
      durationS: quick ? 0.4 : 1.5,
      ...sessions,
    },
  };
  const p = config.partitioning;
  int("partitioning.events", p.events, 100);
  int("partitioning.orders", p.orders, 100);
  int("partitioning.orderMonths", p.orderMonths, 2, 240);
  list("partitioning.eventRangesH", p.eventRangesH, (h) => positive("event range", h));
  list("partitioning.orderRangesD", p.orderRangesD, (d) => positive("order range", d));
  int("partitioning.queryRuns", p.queryRuns, 1, 1000);
  int("partitioning.rowInserts", p.rowInserts, 1, 1e6);
  list(
    "partitioning.partitionCounts",
    p.partitionCounts,
    (n) => int("partition count", n, 2, 4000),
  );
  int("partitioning.planningSample", p.planningSample, 1, 1e6);
  int("partitioning.planningRuns", p.planningRuns, 1, 1000);
  int("partitioning.retentionDays", p.retentionDays, 1, Math.floor(scale.spanMs / 86_400_000) - 1);
  int("partitioning.maintenanceDays", p.maintenanceDays, 2, 365);
  int(
    "partitioning.maintenanceRetentionDays",
    p.maintenanceRetentionDays,
    1,
    p.maintenanceDays - 1,
  );
  const s = config.shards;
  list("shards.counts", s.counts, (n) => {
    if (!Number.isInteger(n) || n < 1 || n > 64 || (n & (n - 1)) !== 0) {
      fail(`shard counts must be powers of two 1..64 (PL/Proxy's rule), got ${n}`);
    }
  });
  list("shards.skews", s.skews, (x) => {
    if (!(x >= 0 && x <= 3)) fail(`skew must be in [0, 3], got ${x}`);
  });
  list("shards.modelShards", s.modelShards, (n) => int("model shard count", n, 1, 1024));
  int("shards.concurrency", s.concurrency, 1, 256);
  positive("shards.durationS", s.durationS);
  int("shards.skewRequests", s.skewRequests, 10);
  int("shards.accounts", s.accounts, 4);
  if (!(s.frozenShare >= 0 && s.frozenShare < 1)) {
    fail(`shards.frozenShare must be in [0, 1), got ${s.frozenShare}`);
  }
  positive("shards.transferS", s.transferS);
  const r = config.rebalance;
  int("rebalance.nodes", r.nodes, 1, 64);
  int("rebalance.keys", r.keys, 10);
  int("rebalance.requests", r.requests, 10);
  int("rebalance.windows", r.windows, 1, 100);
  positive("rebalance.zipf", r.zipf);
  list("rebalance.computedNodes", r.computedNodes, (n) => int("computed node count", n, 1, 1024));
  int("rebalance.computedKeys", r.computedKeys, 10);
  const h = config.reshard;
  int("reshard.prefill", h.prefill, 0);
  int("reshard.slots", h.slots, 1, 16383);
  int("reshard.writers", h.writers, 1, 256);
  positive("reshard.baselineS", h.baselineS);
  positive("reshard.tailS", h.tailS);
  int("reshard.bucketMs", h.bucketMs, 10, 10_000);
  const z = config.sessions;
  int("sessions.users", z.users, 1);
  int("sessions.ttlS", z.ttlS, 1);
  positive("sessions.zipf", z.zipf);
  int("sessions.concurrency", z.concurrency, 1, 256);
  positive("sessions.durationS", z.durationS);
  return config;
}

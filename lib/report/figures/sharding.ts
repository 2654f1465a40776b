/**
 * The ADR's figures from the partitioning-and-sharding experiment's committed rows
 * (lib/experiments/sharding/summary.ts computes; this file phrases the numbers D6 cites).
 *
 * @module
 */

import { type FigureSet, formatNumber, formatPercent } from "../../results/figure.ts";
import { formatMean, formatSpread } from "./spread.ts";
import type { ResultRow } from "../../results/mod.ts";
import type { RatioSummary, Summary } from "../../stats/summary.ts";
import * as S from "../../experiments/sharding/summary.ts";

const PART = "sharding_partitioning.csv";
const SHARDS = "sharding_shards.csv";
const REB = "sharding_rebalance.csv";
const SESS = "sharding_sessions.csv";

type Data = Parameters<FigureSet[string]>[0];
type Rows = readonly ResultRow[];

const ms = (v: number, decimals = 2) => formatNumber(v, { decimals, unit: "ms" });
const times = (r: RatioSummary) =>
  r.bounded && Number.isFinite(r.low)
    ? `${r.ratio.toFixed(2)}× (95 % CI ${r.low.toFixed(2)}–${r.high.toFixed(2)})`
    : `${r.ratio.toFixed(2)}×`;
/** `text (a; b)`; a rate (`cv`) also carries its repetitions' spread (issue 19). */
const bracket = (text: string, parts: string[], s: Summary, cv: boolean) => {
  const all = cv ? [...parts, formatSpread(s)] : parts;
  return all.length ? `${text} (${all.join("; ")})` : text;
};
const spread = (s: Summary, f: (v: number) => string, cv = false) =>
  formatMean(s, f, { spread: cv });
/** Mean with the range over repetitions (for shares and durations an interval would overrun). */
const range = (s: Summary, f: (v: number) => string, cv = false) =>
  bracket(f(s.mean), s.n < 2 ? [] : [`range ${f(s.min)}–${f(s.max)}`], s, cv);
const mb = (b: number) => formatNumber(b / 1e6, { decimals: 1, unit: "MB" });
const kb = (b: number) => formatNumber(b / 1e3, { decimals: 0, unit: "kB" });
const rps = (v: number) => formatNumber(v, { decimals: 0, unit: "requests/s" });
const perS = (unit: string) => (v: number) => formatNumber(v, { decimals: 0, unit: `${unit}/s` });
const bulk = (layout: string) =>
  on(PART, (r) =>
    spread(
      S.pointOf(r, "bulk_insert_rate", { part: "load", table: "events", layout }),
      perS("rows"),
      true,
    ));
/** The one-shard capacity the scale-out projection multiplies (a measured throughput). */
const capacity = (r: Rows) =>
  S.pointOf(r, "throughput", { part: "skew_measured", key: "customer", shards: 1, op: "all" });
const x = (v: number) => `${formatNumber(v, { decimals: 1 })}×`;

const on = (file: string, f: (rows: Rows) => string) => async (d: Data) => f(await d.rows(file));
const q50 = (rows: Rows, table: string, layout: string, rangeH: number) =>
  S.pointOf(rows, "latency_p50", { part: "query", table, layout, range_h: rangeH });
const insertP50 = (rows: Rows, table: string, partitions: number) =>
  S.pointOf(rows, "latency_p50", { part: "insert", table, partitions });
const planning = (rows: Rows, partitions: number, query: string) =>
  S.pointOf(rows, "planning_ms", { part: "planning", partitions, query });
const sess = (rows: Rows, engine: string, op: string, metric = "latency_p50") =>
  spread(S.session(rows, engine, op, metric), (v) => ms(v));

/** D6's figures. */
export const shardingFigures: FigureSet = {
  "sharding.events_rows": on(
    PART,
    (r) =>
      formatNumber(S.pointOf(r, "rows", { part: "load", table: "events", layout: "plain" }).mean, {
        decimals: 0,
      }),
  ),
  "sharding.orders_rows": on(
    PART,
    (r) =>
      formatNumber(S.pointOf(r, "rows", { part: "load", table: "orders", layout: "plain" }).mean, {
        decimals: 0,
      }),
  ),
  "sharding.event_partitions": on(
    PART,
    (r) => String(S.planFact(r, "partitions_scanned", "events", "partitioned_no_pruning", 1)),
  ),
  "sharding.order_partitions": on(
    PART,
    (r) => String(S.planFact(r, "partitions_scanned", "orders", "partitioned_no_pruning", 24)),
  ),
  "sharding.repetitions": on(
    PART,
    (r) => String(new Set(r.filter((x) => x.part === "query").map((x) => x.repetition)).size),
  ),
  "sharding.gain_events_1h": on(PART, (r) => times(S.pruningGain(r, "events", 1))),
  "sharding.gain_events_1d": on(PART, (r) => times(S.pruningGain(r, "events", 24))),
  "sharding.gain_events_30d": on(PART, (r) => times(S.pruningGain(r, "events", 720))),
  "sharding.gain_orders_1d": on(PART, (r) => times(S.pruningGain(r, "orders", 24))),
  "sharding.gain_orders_2y": on(PART, (r) => times(S.pruningGain(r, "orders", 17520))),
  "sharding.events_1h_pruned": on(
    PART,
    (r) => spread(q50(r, "events", "partitioned", 1), (v) => ms(v)),
  ),
  "sharding.events_1h_unpruned": on(
    PART,
    (r) => spread(q50(r, "events", "partitioned_no_pruning", 1), (v) => ms(v)),
  ),
  "sharding.events_1h_plain": on(PART, (r) => spread(q50(r, "events", "plain", 1), (v) => ms(v))),
  "sharding.events_30d_partitioned": on(
    PART,
    (r) => spread(q50(r, "events", "partitioned", 720), (v) => ms(v, 1)),
  ),
  "sharding.events_30d_plain": on(
    PART,
    (r) => spread(q50(r, "events", "plain", 720), (v) => ms(v, 1)),
  ),
  "sharding.orders_1y_partitioned": on(
    PART,
    (r) => spread(q50(r, "orders", "partitioned", 8760), (v) => ms(v, 1)),
  ),
  "sharding.orders_1y_plain": on(
    PART,
    (r) => spread(q50(r, "orders", "plain", 8760), (v) => ms(v, 1)),
  ),
  "sharding.buffers_events_1h": on(
    PART,
    (r) =>
      `${
        formatNumber(S.planFact(r, "buffers", "events", "partitioned", 1), { decimals: 0 })
      } against ${
        formatNumber(S.planFact(r, "buffers", "events", "partitioned_no_pruning", 1), {
          decimals: 0,
        })
      } buffers`,
  ),
  "sharding.planning_1000_unpruned": on(
    PART,
    (r) => spread(planning(r, 1000, "unpruned"), (v) => ms(v, 1)),
  ),
  "sharding.planning_100_unpruned": on(
    PART,
    (r) => spread(planning(r, 100, "unpruned"), (v) => ms(v)),
  ),
  "sharding.planning_10_unpruned": on(
    PART,
    (r) => spread(planning(r, 10, "unpruned"), (v) => ms(v)),
  ),
  "sharding.planning_1000_pruned": on(
    PART,
    (r) => spread(planning(r, 1000, "pruned"), (v) => ms(v)),
  ),
  "sharding.insert_plain": on(PART, (r) => spread(insertP50(r, "events", 1), (v) => ms(v))),
  "sharding.insert_1000": on(PART, (r) => spread(insertP50(r, "events", 1000), (v) => ms(v))),
  "sharding.bulk_plain": bulk("plain"),
  "sharding.bulk_partitioned": bulk("partitioned"),
  "sharding.retention_days": on(PART, (r) => String(r.find((x) => x.part === "retention")!.days)),
  "sharding.delete_ms": on(PART, (r) => ms(S.retentionFact(r, "plain", "retention_ms"), 0)),
  "sharding.drop_ms": on(PART, (r) => ms(S.retentionFact(r, "partitioned", "retention_ms"), 1)),
  "sharding.delete_wal": on(PART, (r) => mb(S.retentionFact(r, "plain", "wal_bytes"))),
  "sharding.drop_wal": on(PART, (r) => kb(S.retentionFact(r, "partitioned", "wal_bytes"))),
  "sharding.delete_rows": on(
    PART,
    (r) => formatNumber(S.retentionFact(r, "plain", "rows_removed"), { decimals: 0 }),
  ),
  "sharding.delete_dead_pct": on(
    PART,
    (r) => formatPercent(S.retentionFact(r, "plain", "dead_pct") / 100),
  ),
  "sharding.delete_bytes": on(
    PART,
    (r) =>
      `${mb(S.retentionFact(r, "plain", "bytes_before"))} before, ${
        mb(S.retentionFact(r, "plain", "bytes_after_vacuum"))
      } after VACUUM`,
  ),
  "sharding.delete_free_pct": on(
    PART,
    (r) => formatPercent(S.retentionFact(r, "plain", "free_pct_after_vacuum") / 100),
  ),
  "sharding.drop_bytes": on(
    PART,
    (r) =>
      `${mb(S.retentionFact(r, "partitioned", "bytes_before"))} to ${
        mb(S.retentionFact(r, "partitioned", "bytes_after"))
      }`,
  ),
  "sharding.partman_dropped": on(PART, (r) => String(S.maintenanceFact(r, "partitions_dropped"))),
  "sharding.partman_premade": on(PART, (r) => String(S.maintenanceFact(r, "premade"))),
  "sharding.partman_ms": on(PART, (r) => ms(S.maintenanceFact(r, "maintenance_ms"), 0)),
  "sharding.partman_oldest": on(
    PART,
    (r) => formatNumber(S.maintenanceFact(r, "oldest_age_days"), { decimals: 1, unit: "days" }),
  ),
  "sharding.partman_default": on(PART, (r) => String(S.maintenanceFact(r, "default_rows"))),

  "sharding.single_1": on(
    SHARDS,
    (r) => spread(S.shardLatency(r, "latency_p50", "router", "single", 1), (v) => ms(v)),
  ),
  "sharding.single_4": on(
    SHARDS,
    (r) => spread(S.shardLatency(r, "latency_p50", "router", "single", 4), (v) => ms(v)),
  ),
  "sharding.scatter_1": on(
    SHARDS,
    (r) => spread(S.shardLatency(r, "latency_p50", "router", "scatter", 1), (v) => ms(v)),
  ),
  "sharding.scatter_4": on(
    SHARDS,
    (r) => spread(S.shardLatency(r, "latency_p50", "router", "scatter", 4), (v) => ms(v)),
  ),
  "sharding.scatter_p99_4": on(
    SHARDS,
    (r) => spread(S.shardLatency(r, "latency_p99", "router", "scatter", 4), (v) => ms(v)),
  ),
  "sharding.scatter_cost_4": on(SHARDS, (r) => times(S.scatterCost(r, 4))),
  "sharding.plproxy_single_4": on(
    SHARDS,
    (r) => spread(S.shardLatency(r, "latency_p50", "plproxy", "single", 4), (v) => ms(v)),
  ),
  "sharding.plproxy_scatter_4": on(
    SHARDS,
    (r) => spread(S.shardLatency(r, "latency_p50", "plproxy", "scatter", 4), (v) => ms(v)),
  ),
  "sharding.busiest_customer": on(
    SHARDS,
    (r) => formatPercent(S.measured(r, "busiest_share", "customer", 4)),
  ),
  "sharding.busiest_order_id": on(
    SHARDS,
    (r) => formatPercent(S.measured(r, "busiest_share", "order_id", 4)),
  ),
  "sharding.busiest_region": on(
    SHARDS,
    (r) => formatPercent(S.measured(r, "busiest_share", "region", 4)),
  ),
  "sharding.model_gap": on(
    SHARDS,
    (r) => `${formatNumber(100 * S.modelAgreement(r).maxGap, { decimals: 1 })} percentage points`,
  ),
  "sharding.order_id_fanout": on(
    SHARDS,
    (r) => formatNumber(S.measured(r, "queries_per_request", "order_id", 4), { decimals: 2 }),
  ),
  "sharding.capacity": on(SHARDS, (r) => spread(capacity(r), rps, true)),
  "sharding.speedup_customer_4": on(SHARDS, (r) => x(S.model(r, "speedup", "customer", 0.99, 4))),
  "sharding.speedup_customer_16": on(SHARDS, (r) => x(S.model(r, "speedup", "customer", 0.99, 16))),
  "sharding.speedup_customer_32": on(SHARDS, (r) => x(S.model(r, "speedup", "customer", 0.99, 32))),
  "sharding.speedup_customer_32_s05": on(
    SHARDS,
    (r) => x(S.model(r, "speedup", "customer", 0.5, 32)),
  ),
  "sharding.speedup_customer_32_s12": on(
    SHARDS,
    (r) => x(S.model(r, "speedup", "customer", 1.2, 32)),
  ),
  "sharding.speedup_order_id_32": on(SHARDS, (r) => x(S.model(r, "speedup", "order_id", 0.99, 32))),
  "sharding.speedup_region_32": on(SHARDS, (r) => x(S.model(r, "speedup", "region", 0.99, 32))),
  "sharding.projected_customer_16": on(
    SHARDS,
    // The model's speedup is computed, not measured: the spread is the capacity's.
    (r) => `${rps(S.projectedThroughput(r, "customer", 0.99, 16))} (${formatSpread(capacity(r))})`,
  ),
  "sharding.tpc_throughput": on(
    SHARDS,
    (r) => spread(S.transfer(r, "throughput", "two_phase_commit"), perS("transfers"), true),
  ),
  "sharding.saga_throughput": on(
    SHARDS,
    (r) => spread(S.transfer(r, "throughput", "saga"), perS("transfers"), true),
  ),
  "sharding.tpc_p50": on(
    SHARDS,
    (r) => spread(S.transfer(r, "latency_p50", "two_phase_commit"), (v) => ms(v)),
  ),
  "sharding.saga_p50": on(
    SHARDS,
    (r) => spread(S.transfer(r, "latency_p50", "saga"), (v) => ms(v)),
  ),
  "sharding.tpc_statements": on(
    SHARDS,
    (r) =>
      formatNumber(S.transfer(r, "statements_per_transfer", "two_phase_commit").mean, {
        decimals: 1,
      }),
  ),
  "sharding.saga_statements": on(
    SHARDS,
    (r) => formatNumber(S.transfer(r, "statements_per_transfer", "saga").mean, { decimals: 1 }),
  ),
  "sharding.tpc_audits": on(
    SHARDS,
    (r) => formatPercent(S.transfer(r, "audit_inconsistent_share", "two_phase_commit").mean),
  ),
  "sharding.saga_audits": on(
    SHARDS,
    (r) => formatPercent(S.transfer(r, "audit_inconsistent_share", "saga").mean),
  ),
  "sharding.transfer_checks": on(SHARDS, (r) => {
    const t = S.transferTally(r);
    return t.valid === t.runs
      ? `all ${t.runs} runs balanced`
      : `${t.runs - t.valid} of ${t.runs} runs failed the check`;
  }),

  "sharding.moved_modulo_4": on(REB, (r) => formatPercent(S.movedComputed(r, "modulo", 4))),
  "sharding.moved_modulo_16": on(REB, (r) => formatPercent(S.movedComputed(r, "modulo", 16))),
  "sharding.moved_jump_4": on(REB, (r) => formatPercent(S.movedComputed(r, "jump", 4))),
  "sharding.moved_ketama_4": on(REB, (r) => formatPercent(S.movedComputed(r, "ketama", 4))),
  "sharding.moved_rendezvous_4": on(REB, (r) => formatPercent(S.movedComputed(r, "rendezvous", 4))),
  "sharding.pool_moved_modulo": on(
    REB,
    (r) => formatPercent(S.pool(r, "keys_moved_measured", "modulo")),
  ),
  "sharding.pool_moved_jump": on(
    REB,
    (r) => formatPercent(S.pool(r, "keys_moved_measured", "jump")),
  ),
  "sharding.pool_moved_ketama": on(
    REB,
    (r) => formatPercent(S.pool(r, "keys_moved_measured", "ketama")),
  ),
  "sharding.pool_agreement": on(
    REB,
    (
      r,
    ) => (S.poolAgreement(r) < 1e-9
      ? "exactly the computed share, for every scheme"
      : `within ${formatPercent(S.poolAgreement(r), 2)} of the computed share`),
  ),
  "sharding.hit_after_modulo": on(
    REB,
    (r) => formatPercent(S.pool(r, "hit_ratio", "modulo", "after_1")),
  ),
  "sharding.hit_after_jump": on(
    REB,
    (r) => formatPercent(S.pool(r, "hit_ratio", "jump", "after_1")),
  ),
  "sharding.hit_after3_modulo": on(
    REB,
    (r) => formatPercent(S.pool(r, "hit_ratio", "modulo", "after_3")),
  ),
  "sharding.reshard_slots": on(
    REB,
    (r) => formatNumber(S.reshard(r, "slots_moved").mean, { decimals: 0 }),
  ),
  "sharding.reshard_ms": on(
    REB,
    (r) =>
      spread(S.reshard(r, "reshard_ms"), (v) => formatNumber(v / 1000, { decimals: 1, unit: "s" })),
  ),
  "sharding.reshard_keys": on(
    REB,
    (r) => formatNumber(S.reshardTotal(r, "keys_migrated"), { decimals: 0 }),
  ),
  "sharding.reshard_errors": on(
    REB,
    (r) => formatNumber(S.reshardTotal(r, "errors"), { decimals: 0 }),
  ),
  "sharding.reshard_lost": on(
    REB,
    (r) =>
      formatNumber(S.reshardTotal(r, "lost_writes") + S.reshardTotal(r, "wrong_values"), {
        decimals: 0,
      }),
  ),
  "sharding.reshard_acked": on(
    REB,
    (r) => formatNumber(S.reshardTotal(r, "acked_writes"), { decimals: 0 }),
  ),
  "sharding.reshard_moved": on(
    REB,
    (r) => formatNumber(S.reshardTotal(r, "redirects_moved"), { decimals: 0 }),
  ),
  "sharding.reshard_ask": on(
    REB,
    (r) => formatNumber(S.reshardTotal(r, "redirects_ask"), { decimals: 0 }),
  ),
  "sharding.reshard_during": on(REB, (r) => {
    const b = S.reshard(r, "baseline_throughput").mean;
    const d = S.reshard(r, "reshard_throughput").mean;
    return `${formatPercent(1 - d / b, 0)} below the baseline on average`;
  }),
  "sharding.reshard_dip": on(REB, (r) => range(S.reshardDip(r), (v) => formatPercent(v, 0))),
  "sharding.reshard_stall": on(
    REB,
    (r) =>
      range(S.reshard(r, "stall_ms"), (v) => formatNumber(v / 1000, { decimals: 1, unit: "s" })),
  ),
  "sharding.reshard_baseline": on(
    REB,
    (r) => range(S.reshard(r, "baseline_throughput"), perS("ops"), true),
  ),
  "sharding.reshard_longest_stall": on(
    REB,
    (r) => ms(Math.max(...S.valuesOf(r, "longest_stall_ms", { part: "reshard" })), 0),
  ),
  "sharding.reshard_p99_baseline": on(
    REB,
    (r) => spread(S.reshard(r, "latency_p99_baseline"), (v) => ms(v, 1)),
  ),
  "sharding.reshard_p99": on(
    REB,
    (r) => spread(S.reshard(r, "latency_p99_reshard"), (v) => ms(v, 1)),
  ),
  "sharding.reshard_max": on(
    REB,
    (r) => ms(Math.max(...S.valuesOf(r, "latency_max_reshard", { part: "reshard" })), 0),
  ),

  "sharding.redis_page_tagged": on(SESS, (r) => sess(r, "redis", "page_tagged")),
  "sharding.cluster_page_tagged": on(SESS, (r) => sess(r, "redis-cluster", "page_tagged")),
  "sharding.cluster_page_untagged": on(SESS, (r) => sess(r, "redis-cluster", "page_untagged")),
  "sharding.cluster_page_untagged_p99": on(
    SESS,
    (r) => sess(r, "redis-cluster", "page_untagged", "latency_p99"),
  ),
  "sharding.cluster_page_tagged_p99": on(
    SESS,
    (r) => sess(r, "redis-cluster", "page_tagged", "latency_p99"),
  ),
  "sharding.redis_session_get": on(SESS, (r) => sess(r, "redis", "session_get")),
  "sharding.cluster_session_get": on(SESS, (r) => sess(r, "redis-cluster", "session_get")),
  "sharding.cluster_merge_untagged": on(
    SESS,
    (r) => formatPercent(S.sessionFailure(r, "redis-cluster", "merge_untagged"), 0),
  ),
  "sharding.cluster_merge_tagged": on(
    SESS,
    (r) => formatPercent(S.sessionFailure(r, "redis-cluster", "merge_tagged"), 0),
  ),
  "sharding.skipped": async (d) => {
    const all = [
      ...await d.rows(PART),
      ...await d.rows(SHARDS),
      ...await d.rows(REB),
      ...await d.rows(SESS),
    ];
    const s = S.skipped(all);
    return s.length === 0 ? "none" : s.map((x) => `${x.engine} (${x.reason})`).join("; ");
  },
};

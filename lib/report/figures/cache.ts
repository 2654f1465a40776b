/**
 * The ADR's figures from the cache experiment's committed rows (lib/experiments/cache/summary.ts
 * computes; this file names the engines and phrases the numbers the decision record cites).
 *
 * @module
 */

import { type FigureSet, formatNumber, formatPercent } from "../../results/figure.ts";
import { formatSpread } from "./spread.ts";
import type { ResultRow } from "../../results/mod.ts";
import {
  accountingTally,
  type CachePoint,
  cacheSkipped,
  clusterAt,
  hitAt,
  hotSetBytes,
  latencyAt,
  minMemory,
  pointOf,
  staleAgeP99,
  staleAt,
  staleTotals,
} from "../../experiments/cache/summary.ts";

const HIT = "cache_hit_ratio.csv";
const CONS = "cache_consistency.csv";
const SESS = "cache_sessions.csv";
const CLUS = "cache_cluster.csv";
const NAMES: Record<string, string> = {
  redis: "Redis",
  memcached: "Memcached",
  hazelcast: "Hazelcast",
  "hazelcast-near": "Hazelcast with a near cache",
};
const MIB = 1024 * 1024;
const mib = (b: number) => `${formatNumber(b / MIB, { decimals: 1 })} MiB`;
const pct = (p: CachePoint) => formatPercent(p.mean);
const ms = (v: number) => `${formatNumber(v, { decimals: 2 })} ms`;
/** A throughput with its repetitions' spread (issue 19). */
const opsPerS = (p: CachePoint) =>
  `${formatNumber(p.mean, { decimals: 0 })} ops/s (${formatSpread(p.values)})`;

/** Sessions lost by `engine` with `persistence` over a `restart` (clean or crash). */
const sessionLoss = (
  rows: readonly ResultRow[],
  engine: string,
  persistence: string,
  restart: string,
) =>
  pointOf(rows, "lost_fraction", ["engine", "persistence", "restart"], {
    engine,
    persistence,
    restart,
  });

/** The session store's throughput on `engine` with `persistence` (the whole read/write mix). */
/** A session-load metric of one engine without persistence (`op` "all" for load metrics). */
const sessionPoint = (rows: readonly ResultRow[], metric: string, engine: string, op = "") =>
  pointOf(rows, metric, ["engine", "persistence", "op"], {
    engine,
    persistence: "none",
    op,
    restart: "",
  });
const sessionThroughput = (rows: readonly ResultRow[], engine: string, persistence: string) =>
  pointOf(rows, "throughput", ["engine", "persistence", "op"], {
    engine,
    persistence,
    op: "all",
    restart: "",
  });

/** The caching section's figures in the ADR. */
export const cacheFigures: FigureSet = {
  "cache.hot_set": async (d) => mib(hotSetBytes(await d.rows(HIT))),
  "cache.redis_lru_10": async (d) =>
    pct(hitAt(await d.rows(HIT), "redis", "allkeys-lru", "0.99", "10")),
  "cache.redis_lfu_10": async (d) =>
    pct(hitAt(await d.rows(HIT), "redis", "allkeys-lfu", "0.99", "10")),
  "cache.memcached_10": async (d) =>
    pct(hitAt(await d.rows(HIT), "memcached", "lru", "0.99", "10")),
  "cache.redis_lfu_1_s08": async (d) =>
    pct(hitAt(await d.rows(HIT), "redis", "allkeys-lfu", "0.8", "1")),
  "cache.redis_lfu_1_s12": async (d) =>
    pct(hitAt(await d.rows(HIT), "redis", "allkeys-lfu", "1.2", "1")),
  "cache.redis_lfu_50": async (d) =>
    pct(hitAt(await d.rows(HIT), "redis", "allkeys-lfu", "0.99", "50")),
  "cache.memcached_min_memory": async (d) => mib(minMemory(await d.rows(HIT), "memcached").bytes),
  "cache.redis_min_memory": async (d) => mib(minMemory(await d.rows(HIT), "redis").bytes),
  "cache.hit_p50": async (d) =>
    ms(latencyAt(await d.rows(HIT), "latency_p50", "hit", "redis", "allkeys-lfu", "10").mean),
  "cache.miss_p50": async (d) =>
    ms(latencyAt(await d.rows(HIT), "latency_p50", "miss", "redis", "allkeys-lfu", "10").mean),
  "cache.memcached_hit_p50": async (d) =>
    ms(latencyAt(await d.rows(HIT), "latency_p50", "hit", "memcached", "lru", "10").mean),
  "cache.accounting": async (d) => {
    const t = accountingTally(await d.rows(HIT));
    return t.disagreed === 0
      ? `all ${t.runs} runs agreed exactly`
      : `${t.disagreed} of ${t.runs} runs disagreed (largest lookup difference ${t.maxDiff})`;
  },
  "cache.stale_delete": async (d) =>
    formatPercent(staleAt(await d.rows(CONS), "redis", "delete_on_write").mean, 2),
  "cache.stale_write_through": async (d) =>
    formatPercent(staleAt(await d.rows(CONS), "redis", "write_through").mean, 2),
  "cache.stale_ttl": async (d) =>
    formatPercent(staleAt(await d.rows(CONS), "redis", "ttl_only").mean, 1),
  "cache.stale_ttl_age_p99": async (d) =>
    `${formatNumber(staleAgeP99(await d.rows(CONS), "redis", "ttl_only"), { decimals: 0 })} ms`,
  "cache.stale_mc_delete": async (d) =>
    formatPercent(staleAt(await d.rows(CONS), "memcached", "delete_on_write").mean, 2),
  "cache.stale_mc_write_through": async (d) =>
    formatPercent(staleAt(await d.rows(CONS), "memcached", "write_through").mean, 2),
  "cache.stale_future": async (d) => {
    const t = staleTotals(await d.rows(CONS));
    return `${t.future} future reads and ${t.staleMisses} stale database reads in ${
      formatNumber(t.reads, { decimals: 0 })
    } judged reads`;
  },
  "cache.session_loss_redis": async (d) =>
    pct(sessionLoss(await d.rows(SESS), "redis", "none", "clean")),
  "cache.session_loss_aof_crash": async (d) =>
    pct(sessionLoss(await d.rows(SESS), "redis", "aof_everysec", "crash")),
  "cache.session_loss_memcached": async (d) =>
    pct(sessionLoss(await d.rows(SESS), "memcached", "none", "clean")),
  "cache.session_tput_redis": async (d) =>
    opsPerS(sessionThroughput(await d.rows(SESS), "redis", "none")),
  "cache.session_tput_aof": async (d) =>
    opsPerS(sessionThroughput(await d.rows(SESS), "redis", "aof_everysec")),
  "cache.session_tput_memcached": async (d) =>
    opsPerS(sessionThroughput(await d.rows(SESS), "memcached", "none")),
  // Hazelcast (lib/experiments/cache/hazelcast.ts: USED_HEAP_SIZE in whole MiB per member).
  "cache.hz_lfu_10": async (d) => pct(hitAt(await d.rows(HIT), "hazelcast", "lfu", "0.99", "10")),
  "cache.hz_lru_10": async (d) => pct(hitAt(await d.rows(HIT), "hazelcast", "lru", "0.99", "10")),
  "cache.hz_near_10": async (d) =>
    pct(hitAt(await d.rows(HIT), "hazelcast-near", "lru", "0.99", "10")),
  "cache.hz_lfu_50": async (d) => pct(hitAt(await d.rows(HIT), "hazelcast", "lfu", "0.99", "50")),
  "cache.hz_hit_p50": async (d) =>
    ms(latencyAt(await d.rows(HIT), "latency_p50", "hit", "hazelcast", "lfu", "10").mean),
  "cache.hz_hit_p99": async (d) =>
    ms(latencyAt(await d.rows(HIT), "latency_p99", "hit", "hazelcast", "lfu", "10").mean),
  "cache.redis_hit_p99": async (d) =>
    ms(latencyAt(await d.rows(HIT), "latency_p99", "hit", "redis", "allkeys-lfu", "10").mean),
  "cache.hz_near_hit_p50": async (d) =>
    ms(latencyAt(await d.rows(HIT), "latency_p50", "hit", "hazelcast-near", "lru", "10").mean),
  "cache.hz_min_memory": async (d) => mib(minMemory(await d.rows(HIT), "hazelcast").bytes),
  "cache.hz_stale_delete": async (d) =>
    formatPercent(staleAt(await d.rows(CONS), "hazelcast", "delete_on_write").mean, 2),
  "cache.hz_stale_ttl": async (d) =>
    formatPercent(staleAt(await d.rows(CONS), "hazelcast", "ttl_only").mean, 1),
  "cache.hz_near_stale_delete": async (d) =>
    formatPercent(staleAt(await d.rows(CONS), "hazelcast-near", "delete_on_write").mean, 2),
  "cache.hz_near_stale_write_through": async (d) =>
    formatPercent(staleAt(await d.rows(CONS), "hazelcast-near", "write_through").mean, 2),
  "cache.hz_session_loss_none": async (d) =>
    pct(sessionLoss(await d.rows(SESS), "hazelcast", "none", "crash")),
  "cache.hz_session_loss_backup": async (d) =>
    pct(sessionLoss(await d.rows(SESS), "hazelcast", "backup_1_of_2", "crash")),
  "cache.hz_join_time": async (d) =>
    `${
      formatNumber(clusterAt(await d.rows(CLUS), "hazelcast", "join_time", "join").mean, {
        decimals: 1,
      })
    } s`,
  "cache.hz_migration_time": async (d) =>
    `${
      formatNumber(clusterAt(await d.rows(CLUS), "hazelcast", "migration_time", "join").mean, {
        decimals: 2,
      })
    } s`,
  "cache.hz_join_p99_before": async (d) =>
    ms(clusterAt(await d.rows(CLUS), "hazelcast", "latency_p99", "join", { phase: "before" }).mean),
  "cache.hz_join_p99_during": async (d) =>
    ms(clusterAt(await d.rows(CLUS), "hazelcast", "latency_p99", "join", { phase: "during" }).mean),
  "cache.hz_join_errors": async (d) =>
    formatNumber(
      clusterAt(await d.rows(CLUS), "hazelcast", "errors", "join", { phase: "during" }).max,
      {
        decimals: 0,
      },
    ),
  "cache.hz_kill_lost_b0": async (d) =>
    pct(clusterAt(await d.rows(CLUS), "hazelcast", "lost_fraction", "kill", { backup_count: "0" })),
  "cache.hz_kill_lost_b1": async (d) =>
    pct(clusterAt(await d.rows(CLUS), "hazelcast", "lost_fraction", "kill", { backup_count: "1" })),
  "cache.hz_kill_recovery": async (d) =>
    `${
      formatNumber(clusterAt(await d.rows(CLUS), "hazelcast", "recovery_time", "kill").max, {
        decimals: 1,
      })
    } s`,
  "cache.skipped": async (d) => {
    const s = cacheSkipped(await d.rows(HIT));
    return s.length === 0
      ? "none"
      : s.map((x) => `${NAMES[x.engine] ?? x.engine} (${x.reason.replace(/^\S+ skipped: /, "")})`)
        .join("; ");
  },
  // Engines compared through different clients (ioredis, memjs, hazelcast-client) compare
  // fairly only when the clients cost alike: within 10 % of CPU per operation (issue 19).
  "cache.session_client_cpu": async (d) => {
    const rows = await d.rows(SESS);
    const engines = new Set(
      rows.filter((r) => r.metric === "client_cpu_per_op" && r.persistence === "none")
        .map((r) => String(r.engine)),
    );
    const cpu = [...engines].map((engine) => ({
      engine,
      us: sessionPoint(rows, "client_cpu_per_op", engine).mean,
    }));
    if (cpu.length < 2) throw new Error("cache_sessions.csv: client CPU per operation missing");
    const lo = Math.min(...cpu.map((c) => c.us));
    const hi = Math.max(...cpu.map((c) => c.us));
    const list = cpu.map((c) => `${NAMES[c.engine]} ${formatNumber(c.us, { decimals: 0 })} µs/op`)
      .join(", ");
    return hi / lo <= 1.1
      ? `${list}: within 10 %, so the clients cost alike`
      : `${list}: the costliest client spends ${
        formatNumber(hi / lo, { decimals: 1 })
      }× the cheapest's CPU per operation, so the throughput comparison carries the clients' difference`;
  },
  "cache.repetitions": async (d) => {
    const rows = await d.rows(HIT);
    return String(
      new Set(rows.filter((r) => r.metric === "hit_ratio").map((r) => r.repetition)).size,
    );
  },
};

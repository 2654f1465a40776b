/**
 * Configuration of the cache experiment: what the sweep covers and how long each part runs,
 * with defaults per scale sized so the default run fits its ~6 minute slot of the main job on
 * two shared cores. Bad values fail with one line.
 */

import { selectBindings } from "../binding.ts";
import type { ExperimentParams } from "../params.ts";
import type { CacheBinding } from "./binding.ts";
import { CACHE_BINDINGS } from "./bindings.ts";
import { STRATEGIES, type Strategy } from "./consistency.ts";

/** Configuration of the cache experiment. */
export interface CacheConfig extends ExperimentParams {
  /** The caches to compare (default: every binding of ./bindings.ts). */
  bindings: readonly CacheBinding[];
  /** Zipf exponents of product popularity. */
  skews: readonly number[];
  /** Cache memory budgets, % of the hot data set (every product page). */
  budgetsPct: readonly number[];
  /** Eviction policies to run, by id, where a binding offers them (default: all offered). */
  policies?: readonly string[];
  /** Workers of the measured read loop. */
  concurrency: number;
  /** Unmeasured warm-up lookups per cell (batched). */
  warmupOps: number;
  /** Lookups per warm-up batch. */
  warmupBatch: number;
  /** Measured lookups per cell. */
  measuredOps: number;
  /** Consistency under writes. */
  consistency: {
    strategies: readonly Strategy[];
    /** Seconds per run. */
    durationS: number;
    readers: number;
    writers: number;
    writeRatePerS: number;
    /** TTL of the ttl_only strategy (s). */
    ttlS: number;
    /** Popularity skew of reads and writes. */
    skew: number;
  };
  /** The session store. */
  sessions: {
    /** Sessions stored. */
    count: number;
    ttlS: number;
    readShare: number;
    durationS: number;
    concurrency: number;
    /** Sessions written before each restart. */
    restartCount: number;
    /** Sessions read back after a restart by the client. */
    restartSample: number;
  };
  /** The cluster part (bindings that declare clustering). */
  cluster: {
    /** Entries written before the membership changes (session objects). */
    entries: number;
    /** Members before the join (one joins); the kill runs on this many + 1. */
    members: number;
    /** Backup counts of the kill runs. */
    backupCounts: readonly number[];
    /** Seconds of load measured just before the join. */
    baselineS: number;
    concurrency: number;
    readShare: number;
    /**
     * Repetitions of the cluster part, at most the run's: each is two cluster starts and a
     * join (about a minute of JVM start-up on two shared cores), so the default is 1.
     */
    repetitions: number;
  };
}

function fail(message: string): never {
  throw new Error(`cache: ${message}`);
}

function positiveInt(name: string, v: number, max = 1e9) {
  if (!Number.isInteger(v) || v < 1 || v > max) {
    fail(`${name} must be an integer 1..${max}, got ${v}`);
  }
}

function positive(name: string, v: number) {
  if (!(typeof v === "number" && Number.isFinite(v) && v > 0)) {
    fail(`${name} must be > 0, got ${v}`);
  }
}

/** Defaults per scale, overridden by `options`; validated. */
export function cacheConfig(
  params: ExperimentParams,
  options: Partial<CacheConfig> & { engines?: readonly string[] } = {},
): CacheConfig {
  const quick = params.scale === "quick";
  const { engines, ...rest } = options;
  const config: CacheConfig = {
    ...params,
    bindings: selectBindings("cache", CACHE_BINDINGS, engines),
    skews: [0.8, 0.99, 1.2],
    budgetsPct: [1, 5, 10, 25, 50],
    concurrency: 4,
    // As many lookups as the catalog has products before measuring, so the cache is full and LRU/LFU
    // have settled on the popular keys rather than on the order keys first arrived in.
    warmupOps: quick ? 2_000 : 20_000,
    warmupBatch: quick ? 100 : 500,
    measuredOps: quick ? 500 : 4_000,
    ...rest,
    consistency: {
      strategies: STRATEGIES,
      durationS: quick ? 0.5 : 2,
      readers: 4,
      writers: 4,
      writeRatePerS: 200,
      ttlS: 2,
      skew: 0.99,
      ...options.consistency,
    },
    sessions: {
      count: quick ? 1_000 : 20_000,
      ttlS: 1800,
      readShare: 0.9,
      durationS: quick ? 0.5 : 2,
      concurrency: 4,
      restartCount: quick ? 500 : 5_000,
      restartSample: quick ? 100 : 500,
      ...options.sessions,
    },
    cluster: {
      entries: quick ? 2_000 : 20_000,
      members: 2,
      backupCounts: [0, 1],
      baselineS: quick ? 0.5 : 2,
      concurrency: 4,
      readShare: 0.9,
      repetitions: 1,
      ...options.cluster,
    },
  };
  const offered = new Set(config.bindings.flatMap((b) => b.policies.map((p) => p.id)));
  for (const p of config.policies ?? []) {
    if (!offered.has(p)) {
      fail(`no binding offers policy "${p}"; offered: ${[...offered].join(", ")}`);
    }
  }
  for (const s of config.consistency.strategies) {
    if (!(STRATEGIES as readonly string[]).includes(s)) {
      fail(`unknown strategy "${s}"; use ${STRATEGIES.join(", ")}`);
    }
  }
  if (config.skews.length === 0) fail("skews must not be empty");
  for (const s of config.skews) {
    if (!(Number.isFinite(s) && s > 0 && s <= 3)) fail(`skew must be in (0, 3], got ${s}`);
  }
  if (config.budgetsPct.length === 0) fail("budgetsPct must not be empty");
  for (const b of config.budgetsPct) {
    if (!(Number.isFinite(b) && b > 0 && b <= 100)) fail(`budget must be in (0, 100] %, got ${b}`);
  }
  positiveInt("concurrency", config.concurrency, 256);
  positiveInt("warmupBatch", config.warmupBatch, 10_000);
  positiveInt("measuredOps", config.measuredOps);
  if (!Number.isInteger(config.warmupOps) || config.warmupOps < 0) {
    fail(`warmupOps must be an integer >= 0, got ${config.warmupOps}`);
  }
  const c = config.consistency;
  positive("consistency.durationS", c.durationS);
  positive("consistency.writeRatePerS", c.writeRatePerS);
  positiveInt("consistency.ttlS", c.ttlS, 86_400);
  positiveInt("consistency.readers", c.readers, 256);
  positiveInt("consistency.writers", c.writers, 256);
  positive("consistency.skew", c.skew);
  const s = config.sessions;
  positiveInt("sessions.count", s.count);
  positiveInt("sessions.ttlS", s.ttlS, 86_400 * 29); // Memcached reads > 30 days as a date
  positive("sessions.durationS", s.durationS);
  positiveInt("sessions.concurrency", s.concurrency, 256);
  positiveInt("sessions.restartCount", s.restartCount);
  positiveInt("sessions.restartSample", s.restartSample);
  const k = config.cluster;
  positiveInt("cluster.entries", k.entries);
  positiveInt("cluster.members", k.members, 2);
  positiveInt("cluster.concurrency", k.concurrency, 256);
  positive("cluster.baselineS", k.baselineS);
  positiveInt("cluster.repetitions", k.repetitions, 100);
  for (const b of k.backupCounts) {
    if (!(Number.isInteger(b) && b >= 0 && b <= k.members)) {
      fail(`cluster.backupCounts must be integers 0..${k.members}, got ${b}`);
    }
  }
  if (!(k.readShare >= 0 && k.readShare <= 1)) {
    fail(`cluster.readShare must be in [0, 1], got ${k.readShare}`);
  }
  if (!(s.readShare >= 0 && s.readShare <= 1)) {
    fail(`sessions.readShare must be in [0, 1], got ${s.readShare}`);
  }
  return config;
}

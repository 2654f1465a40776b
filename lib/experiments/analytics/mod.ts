/**
 * Experiment 03, columnar aggregation: where order and clickstream analytics live. The seeded
 * event stream is loaded at growing sizes into each store (ClickHouse as embedded chDB and as
 * a server, PostgreSQL as a heap with B-trees and with BRIN, InfluxDB, TimescaleDB), then six
 * dashboard queries run ClickBench style — one cold run after emptying caches, then hot runs —
 * every answer is compared across engines, and a dashboard mix is driven by concurrent
 * clients.
 *
 * Configuration in, rows out: `analyticsAggregation(config)` returns the rows of
 * data/analytics_aggregation.csv (running the engines, or replaying the committed file).
 */

import { type Answer, compareAnswers } from "../checks/answers.ts";
import { dockerAnswers } from "../engines/runtime/docker.ts";
import { EngineUnavailable, startEngine } from "../engines/mod.ts";
import type { Engine, EngineName, EngineSpec } from "../engines/mod.ts";
import { runClosedLoop } from "../load/run.ts";
import { collectProvenance, type ResultRow, ResultSet, type RunResults } from "../results/mod.ts";
import { createCatalog } from "../workload/generate.ts";
import { clickhouseStore } from "./analytics/clickhouse_store.ts";
import { INFLUX_SETTINGS, influxStore } from "./analytics/influx_store.ts";
import { postgresStore } from "./analytics/postgres_store.ts";
import { QUERIES, QUERY_IDS, type QueryId, queryParams } from "./analytics/queries.ts";
import {
  type AnalyticsStore,
  dropOsPageCache,
  eventScale,
  STORE_NAMES,
  type StoreName,
} from "./analytics/store.ts";
import { type ExperimentParams, experimentParams, runIdentity, skippedEngine } from "./params.ts";
import { runOrReplay } from "./replay.ts";

/** Experiment id (also the CSV name). */
export const ANALYTICS_EXPERIMENT = "analytics_aggregation";

/** Queries every store can express: the dashboard mix of the concurrency runs. */
export const MIX_QUERIES: readonly QueryId[] = [
  "revenue_by_day_category",
  "weekly_distinct_customers",
  "p95_basket_by_device",
  "recent_hourly_series",
];

/** Configuration of the analytics experiment. */
export interface AnalyticsConfig extends ExperimentParams {
  /** Stores to compare, in this order (the first that answers a query is the reference). */
  stores: readonly StoreName[];
  /** Event rows per data point (the growth sweep). */
  rows: readonly number[];
  /** Largest sweep point per store (the time budget); stores not listed run every point. */
  maxRows: Readonly<Partial<Record<StoreName, number>>>;
  /** Hot runs after each cold run (ClickBench: 2; the hot figure is their minimum). */
  hotRuns: number;
  /** Client counts of the concurrency runs. */
  concurrency: readonly number[];
  /** Data size (one of `rows`) at which the concurrency runs happen. */
  concurrencyRows: number;
  /** Measured seconds per concurrency run, after warm-up. */
  durationS: number;
  warmupS: number;
  /**
   * Drop the OS page cache before each cold run (root only). Only the benchmark does it,
   * never the tests: it slows every process on the machine for a moment.
   */
  dropOsCache: boolean;
}

/**
 * PostgreSQL settings for analytics, each because the default would measure a misconfigured
 * server rather than PostgreSQL (ClickBench's postgresql/install raises the same ones):
 */
export const POSTGRES_SETTINGS = {
  // The 128 MB default cannot hold even the 10^6-row table (~140 MB with indexes).
  shared_buffers: "2GB",
  // Hash aggregates over (customer, product) pairs and DISTINCT sorts stay in memory.
  work_mem: "256MB",
  // Index builds after COPY in memory.
  maintenance_work_mem: "1GB",
  // No checkpoint storm in the middle of a bulk COPY.
  max_wal_size: "8GB",
} as const;

const DEFAULT_ROWS = [10_000, 100_000, 1_000_000, 10_000_000];

/** Defaults per scale: `quick` for tests, the rest for the main job (~4.5 min at default). */
export function analyticsConfig(options: Partial<AnalyticsConfig> = {}): AnalyticsConfig {
  const params = experimentParams(options);
  const quick = params.scale === "quick";
  const config: AnalyticsConfig = {
    ...params,
    stores: [
      "postgres-heap",
      "postgres-brin",
      "chdb",
      "clickhouse-server",
      "timescaledb",
      "influxdb",
    ],
    rows: quick ? [5_000] : DEFAULT_ROWS,
    // 10^7 rows only where it fits the main job's minutes: at 10^6 rows PostgreSQL's distinct
    // and funnel queries already take seconds and InfluxDB's distinct count several.
    maxRows: quick ? {} : {
      "postgres-heap": 1_000_000,
      "postgres-brin": 1_000_000,
      timescaledb: 1_000_000,
      influxdb: 1_000_000,
    },
    hotRuns: quick ? 1 : params.repetitions,
    concurrency: quick ? [1, 2] : [1, 2, 4],
    concurrencyRows: quick ? 5_000 : 1_000_000,
    durationS: quick ? 0.5 : 4,
    warmupS: quick ? 0.1 : 0.5,
    dropOsCache: !quick,
    ...options,
  };
  validate(config);
  return config;
}

function validate(c: AnalyticsConfig): void {
  for (const s of c.stores) {
    if (!(STORE_NAMES as readonly string[]).includes(s)) {
      throw new Error(`analytics: unknown store "${s}"; use ${STORE_NAMES.join(", ")}`);
    }
  }
  if (c.rows.length === 0) throw new Error("analytics: rows must list at least one size");
  for (const r of c.rows) {
    if (!Number.isInteger(r) || r < 1 || r > 100_000_000) {
      throw new Error(`analytics: rows must be integers in 1..10^8, got ${r}`);
    }
  }
  if (!Number.isInteger(c.hotRuns) || c.hotRuns < 1 || c.hotRuns > 20) {
    throw new Error(`analytics: hotRuns must be an integer 1..20, got ${c.hotRuns}`);
  }
  for (const n of c.concurrency) {
    if (!Number.isInteger(n) || n < 1 || n > 64) {
      throw new Error(`analytics: concurrency must be an integer 1..64, got ${n}`);
    }
  }
  if (c.concurrency.length > 0 && !c.rows.includes(c.concurrencyRows)) {
    throw new Error(`analytics: concurrencyRows ${c.concurrencyRows} is not one of rows`);
  }
  if (!(c.durationS > 0) || !(c.warmupS >= 0)) {
    throw new Error(`analytics: durationS must be > 0 and warmupS >= 0`);
  }
}

/** Rows of data/analytics_aggregation.csv: run the sweep, or replay the committed CSV. */
export async function analyticsAggregation(
  options: Partial<AnalyticsConfig> = {},
): Promise<ResultRow[]> {
  const config = analyticsConfig(options);
  const tables = await runOrReplay([ANALYTICS_EXPERIMENT], config.run, async () => ({
    [ANALYTICS_EXPERIMENT]: await runAnalytics(config),
  }));
  return tables[ANALYTICS_EXPERIMENT];
}

/** Which engine (and provider) serves a store, or why it cannot run here. */
async function engineSpec(store: StoreName): Promise<EngineSpec> {
  switch (store) {
    case "chdb":
      return { engine: "clickhouse", provider: "native" };
    case "clickhouse-server": {
      // Auto would pick embedded chDB; a server is only reachable by URL or container.
      if (Deno.env.get("BENCH_CLICKHOUSE_URL")) {
        return { engine: "clickhouse", provider: "external" };
      }
      if (await dockerAnswers()) return { engine: "clickhouse", provider: "docker" };
      throw new EngineUnavailable(
        "clickhouse-server skipped: no Docker daemon answers and BENCH_CLICKHOUSE_URL is not set (embedded chDB runs instead)",
      );
    }
    case "postgres-heap":
    case "postgres-brin":
      return { engine: "postgres", settings: POSTGRES_SETTINGS };
    case "timescaledb":
      return { engine: "timescaledb", settings: POSTGRES_SETTINGS };
    case "influxdb":
      return { engine: "influxdb", settings: INFLUX_SETTINGS };
  }
}

async function makeStore(store: StoreName, engine: Engine): Promise<AnalyticsStore> {
  switch (store) {
    case "chdb":
    case "clickhouse-server":
      return await clickhouseStore(engine);
    case "postgres-heap":
      return postgresStore(engine, "heap");
    case "postgres-brin":
      return postgresStore(engine, "brin");
    case "timescaledb":
      return postgresStore(engine, "hypertable");
    case "influxdb":
      return influxStore(engine);
  }
}

/** Stores sharing one engine run on one start (PostgreSQL's two designs). */
function engineGroups(stores: readonly StoreName[]): StoreName[][] {
  const groups: StoreName[][] = [];
  for (const s of stores) {
    const pg = s.startsWith("postgres-");
    const group = pg ? groups.find((g) => g[0].startsWith("postgres-")) : undefined;
    if (group) group.push(s);
    else groups.push([s]);
  }
  return groups;
}

/** The reference answers of one data size: the first store's answer for each query. */
type References = Map<QueryId, { store: StoreName; answer: Answer }>;

/** Run the whole sweep against the engines and return its rows (writes nothing). */
export async function runAnalytics(
  config: AnalyticsConfig,
  log = (line: string) => console.error(line),
): Promise<ResultRow[]> {
  const results = new ResultSet(await collectProvenance());
  const references = new Map<number, References>();
  for (const r of config.rows) references.set(r, new Map());
  for (const group of engineGroups(config.stores)) {
    let engine: Engine;
    try {
      engine = await startEngine(await engineSpec(group[0]));
    } catch (err) {
      if (!(err instanceof EngineUnavailable)) throw err;
      log(`analytics: ${err.message}`);
      for (const store of group) {
        results.run(
          runIdentity(ANALYTICS_EXPERIMENT, config, skippedEngine(engineOf(store)), "", 0),
        )
          .add("skipped", 1, "flag", { store, reason: err.message }).end(0);
      }
      continue;
    }
    try {
      for (const name of group) {
        const store = await makeStore(name, engine);
        try {
          await runStore(config, engine, store, references, results, log);
        } finally {
          await store.close();
        }
      }
    } finally {
      await engine.stop();
    }
  }
  return results.rows();
}

function engineOf(store: StoreName): EngineName {
  if (store === "chdb" || store === "clickhouse-server") return "clickhouse";
  if (store.startsWith("postgres-")) return "postgres";
  return store as EngineName;
}

/** Engine settings and the store's physical design, as one engine_config string. */
function configOf(engine: Engine, store: AnalyticsStore): Record<string, string> {
  return { ...engine.settings, ...store.design };
}

async function runStore(
  config: AnalyticsConfig,
  engine: Engine,
  store: AnalyticsStore,
  references: Map<number, References>,
  results: ResultSet,
  log: (line: string) => void,
): Promise<void> {
  const base = { store: store.name, in_process: store.inProcess };
  // engine_config is given as a map: the run builder formats it canonically.
  const cfg = configOf(engine, store);
  const who = { engine: engine.engine, version: engine.version, provider: engine.provider };
  const id = (repetition: number) =>
    runIdentity(ANALYTICS_EXPERIMENT, config, who, cfg, repetition);
  const cap = config.maxRows[store.name] ?? Infinity;
  for (const rows of config.rows) {
    if (rows > cap) {
      results.run({ ...id(0), dims: { ...base, rows } })
        .add("not_run", 1, "flag", {
          reason: `above this store's ${cap} rows, to keep the default run within its minutes`,
        }).end(0);
      continue;
    }
    const scale = eventScale(config.scale, rows);
    const catalog = createCatalog(scale, config.seed);
    const params = queryParams(scale);
    const dims = { ...base, rows };

    log(`analytics: ${store.name} ${engine.version} (${engine.provider}): loading ${rows} events`);
    const load = results.run({ ...id(0), dims });
    const loaded = await store.load(catalog);
    const bytes = await store.bytesOnDisk();
    load.add("rows_expected", rows, "count")
      .add("rows_loaded", loaded.rows, "count")
      .add("load_ingest_s", loaded.ingestS, "s")
      .add("load_ready_s", loaded.readyS, "s")
      .add("load_rows_per_s", rows / loaded.readyS, "rows/s")
      .add("bytes_on_disk", bytes, "bytes")
      .add("bytes_per_row", bytes / rows, "bytes/row")
      .end(loaded.readyS);
    log(
      `analytics: ${store.name} ${rows} rows: loaded ${loaded.rows} in ${
        loaded.readyS.toFixed(1)
      } s, ${(bytes / 2 ** 20).toFixed(1)} MiB`,
    );

    const refs = references.get(rows)!;
    for (const q of QUERY_IDS) {
      await queryRuns(
        config,
        store,
        q,
        params,
        refs,
        (rep) => results.run({ ...id(rep), dims: { ...dims, query: q } }),
        log,
      );
    }

    if (rows === config.concurrencyRows) {
      for (const clients of config.concurrency) {
        const run = results.run({ ...id(0), dims: { ...dims, clients } });
        const sessions = await Promise.all(
          Array.from({ length: clients }, () => store.session(params)),
        );
        try {
          const result = await runClosedLoop({
            concurrency: clients,
            durationMs: config.durationS * 1000,
            warmupMs: config.warmupS * 1000,
            seed: config.seed + clients,
            progress: config.progress,
            label: `analytics ${store.name} ${clients} clients`,
            op: async (worker, rng, ctx) => {
              const q = MIX_QUERIES[rng.int(0, MIX_QUERIES.length - 1)];
              ctx.name = q;
              await sessions[worker].run(q);
            },
          });
          run.addLoad(result).end();
          log(
            `analytics: ${store.name} ${clients} clients: ${
              result.throughput.toFixed(1)
            } queries/s`,
          );
        } finally {
          await Promise.all(sessions.map((s) => s.close()));
        }
      }
    }
  }
}

/**
 * One query on one store, ClickBench style: empty the caches (engine and, if allowed, OS),
 * run once (cold), then `hotRuns` times (hot). The cold answer is compared with the
 * reference store's answer for the same data; every hot answer with the cold one.
 */
async function queryRuns(
  config: AnalyticsConfig,
  store: AnalyticsStore,
  q: QueryId,
  params: ReturnType<typeof queryParams>,
  refs: References,
  run: (repetition: number) => RunResults,
  log: (line: string) => void,
): Promise<void> {
  const how = await store.makeCold();
  const os = config.dropOsCache && await dropOsPageCache();
  const coldMethod = `${how}${os ? "+os_page_cache_dropped" : ""}`;
  const session = await store.session(params);
  try {
    let first: Answer | undefined;
    for (let attempt = 0; attempt <= config.hotRuns; attempt++) {
      const cold = attempt === 0;
      const rep = cold ? 0 : attempt - 1;
      const r = run(rep);
      const t0 = performance.now();
      let outcome;
      try {
        outcome = await session.run(q);
      } catch (err) {
        const reason = (err as Error).message.split("\n")[0].slice(0, 300);
        r.add("query_error", 1, "flag", { run: cold ? "cold" : "hot", reason }).end();
        log(`analytics: ${store.name} ${q}: ERROR ${reason}`);
        return;
      }
      const ms = performance.now() - t0;
      if ("unsupported" in outcome) {
        r.add("unsupported", 1, "flag", { reason: outcome.unsupported }).end(0);
        return;
      }
      const dims: Record<string, string> = cold
        ? { run: "cold", cold_method: coldMethod }
        : { run: "hot" };
      r.add("latency", ms, "ms", dims);
      if (cold) {
        first = outcome;
        r.add("result_rows", outcome.rows.length, "count");
        const ref = refs.get(q);
        if (!ref) {
          refs.set(q, { store: store.name, answer: outcome });
          r.add("answer_reference", 1, "flag");
        } else {
          const v = compareAnswers(ref.answer, outcome, { ordered: QUERIES[q].ordered });
          const detail = v.equal ? "" : v.examples.join("; ").slice(0, 300);
          r.add("answer_match", v.equal ? 1 : 0, "flag", { reference: ref.store, detail });
          if (!v.equal) {
            r.add("answer_mismatched_rows", v.mismatchedRows, "count", { reference: ref.store });
            log(`analytics: ANSWER MISMATCH ${store.name} vs ${ref.store} on ${q}: ${detail}`);
          }
        }
      } else if (first) {
        const v = compareAnswers(first, outcome, { ordered: QUERIES[q].ordered });
        if (!v.equal) r.add("answer_unstable", 1, "flag", { detail: v.examples.join("; ") });
      }
      r.end(ms / 1000);
    }
  } finally {
    await session.close();
  }
}

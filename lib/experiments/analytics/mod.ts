/**
 * Experiment 03, columnar aggregation: where order and clickstream analytics live. The seeded
 * event stream is loaded at growing sizes into each bound store, then six dashboard queries
 * run ClickBench style — one cold run after emptying caches, then hot runs — every answer is
 * compared across stores, and a dashboard mix is driven by concurrent clients.
 *
 * Configuration in, rows out: the `analytics` experiment writes
 * data/analytics_aggregation.csv. It never names an engine: the stores, the queries each can
 * express, whether it runs in-process and how large a data size it runs come from
 * ./bindings.ts.
 *
 * @module
 */

import { collectProvenance, ResultSet } from "../../results/mod.ts";
import { type Binding, selectBindings, sharedStarts, withBinding } from "../binding.ts";
import type { Experiment, Progress, Tables } from "../experiment.ts";
import { type ExperimentParams, runIdentity, skippedEngine } from "../params.ts";
import { type AnalyticsBinding, expressible } from "./binding.ts";
import { ANALYTICS_BINDINGS } from "./bindings.ts";
import { measureStore, type References } from "./measure.ts";
import { QUERY_IDS, type QueryId } from "./queries.ts";

/** Experiment id of the rows (also the CSV name). */
export const ANALYTICS_TABLE = "analytics_aggregation";

/**
 * The dashboard mix of the concurrency runs: the queries every bound store can express, so
 * every store serves the same mix (checked against each binding's declaration).
 */
export const MIX_QUERIES: readonly QueryId[] = [
  "revenue_by_day_category",
  "weekly_distinct_customers",
  "p95_basket_by_device",
  "recent_hourly_series",
];

/** Configuration of the analytics experiment. */
export interface AnalyticsConfig extends ExperimentParams {
  /**
   * Stores to compare, in this order (the first that answers a query is the reference);
   * default every binding of ./bindings.ts.
   */
  bindings: readonly AnalyticsBinding[];
  /** Event rows per data point (the growth sweep); a binding's `maxRows` caps its points. */
  rows: readonly number[];
  /** Hot runs after each cold run (ClickBench: 2; the hot figure is their minimum). */
  hotRuns: number;
  /** Queries of the concurrency runs' dashboard mix. */
  mix: readonly QueryId[];
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

/** Options of {@link analyticsConfig}: overrides, and stores selected by name. */
export type AnalyticsOptions = Partial<AnalyticsConfig> & {
  /** Binding names to run, in this order. */
  stores?: readonly string[];
  /** Binding names, or engine names standing for every binding of that engine. */
  engines?: readonly string[];
};

const DEFAULT_ROWS = [10_000, 100_000, 1_000_000, 10_000_000];

function fail(message: string): never {
  throw new Error(`analytics: ${message}`);
}

/** Bindings named by binding name, or by engine name (every binding of that engine). */
function byEngineOrName(names: readonly string[]): AnalyticsBinding[] {
  return names.flatMap((name) => {
    if (ANALYTICS_BINDINGS.some((b) => b.name === name)) {
      return selectBindings("analytics", ANALYTICS_BINDINGS, [name]);
    }
    const ofEngine = ANALYTICS_BINDINGS.filter((b) => b.engine === name);
    if (ofEngine.length === 0) {
      fail(
        `no binding or engine "${name}"; bindings: ${
          ANALYTICS_BINDINGS.map((b) => `${b.name} (${b.engine})`).join(", ")
        }`,
      );
    }
    return ofEngine;
  });
}

/** Defaults per scale: `quick` for tests, the rest for the main job (~4.5 min at default). */
export function analyticsConfig(
  params: ExperimentParams,
  options: AnalyticsOptions = {},
): AnalyticsConfig {
  const quick = params.scale === "quick";
  const { stores, engines, ...rest } = options;
  if (stores && engines) fail("give stores or engines, not both");
  const config: AnalyticsConfig = {
    ...params,
    bindings: engines
      ? byEngineOrName(engines)
      : selectBindings("analytics", ANALYTICS_BINDINGS, stores),
    rows: quick ? [5_000] : DEFAULT_ROWS,
    hotRuns: quick ? 1 : params.repetitions,
    mix: MIX_QUERIES,
    concurrency: quick ? [1, 2] : [1, 2, 4],
    concurrencyRows: quick ? 5_000 : 1_000_000,
    durationS: quick ? 0.5 : 4,
    warmupS: quick ? 0.1 : 0.5,
    dropOsCache: !quick,
    ...rest,
  };
  validate(config);
  return config;
}

function validate(c: AnalyticsConfig): void {
  const names = c.bindings.map((b) => b.name);
  if (new Set(names).size !== names.length) fail(`store names repeat: ${names.join(", ")}`);
  if (c.rows.length === 0) fail("rows must list at least one size");
  for (const r of c.rows) {
    if (!Number.isInteger(r) || r < 1 || r > 100_000_000) {
      fail(`rows must be integers in 1..10^8, got ${r}`);
    }
  }
  if (!Number.isInteger(c.hotRuns) || c.hotRuns < 1 || c.hotRuns > 20) {
    fail(`hotRuns must be an integer 1..20, got ${c.hotRuns}`);
  }
  for (const n of c.concurrency) {
    if (!Number.isInteger(n) || n < 1 || n > 64) {
      fail(`concurrency must be an integer 1..64, got ${n}`);
    }
  }
  if (c.concurrency.length > 0 && !c.rows.includes(c.concurrencyRows)) {
    fail(`concurrencyRows ${c.concurrencyRows} is not one of rows`);
  }
  if (!(c.durationS > 0) || !(c.warmupS >= 0)) fail("durationS must be > 0 and warmupS >= 0");
  if (c.concurrency.length > 0 && c.mix.length === 0) fail("mix must list at least one query");
  for (const q of c.mix) {
    if (!(QUERY_IDS as readonly string[]).includes(q)) {
      fail(`unknown query "${q}" in mix; queries: ${QUERY_IDS.join(", ")}`);
    }
    const cannot = c.bindings.find((b) => !expressible(b).includes(q));
    if (cannot) fail(`mix query ${q} is one ${cannot.name} cannot express`);
  }
}

/** The data sizes a binding runs: the configured ones up to its `maxRows`. */
export function sizesOf(config: AnalyticsConfig, binding: AnalyticsBinding): number[] {
  return config.rows.filter((r) => r <= (binding.maxRows ?? Infinity));
}

/**
 * Steps the sweep takes for one binding: per size it runs, the load and every query it can
 * express once cold and `hotRuns` times hot; at the concurrency size, one step per client
 * count.
 */
export function plannedSteps(config: AnalyticsConfig, binding: AnalyticsBinding): number {
  const sizes = sizesOf(config, binding);
  const perSize = 1 + expressible(binding).length * (1 + config.hotRuns);
  const concurrent = sizes.includes(config.concurrencyRows) ? config.concurrency.length : 0;
  return sizes.length * perSize + concurrent;
}

/** The analytics experiment (notebook 03). */
export const analytics: Experiment<AnalyticsConfig> = {
  id: "analytics",
  title: "analytics store",
  notebook: "03-columnar-aggregation",
  tables: [ANALYTICS_TABLE],
  module: import.meta.url,
  config: analyticsConfig,
  run: runAnalytics,
};

/** Run the whole sweep against the bound stores and return its rows (writes nothing). */
export async function runAnalytics(config: AnalyticsConfig, progress: Progress): Promise<Tables> {
  const results = new ResultSet(await collectProvenance());
  const references = new Map<number, References>(config.rows.map((r) => [r, new Map()]));
  progress.plan(config.bindings.reduce((n, b) => n + plannedSteps(config, b), 0));
  // Stores sharing an engine start (PostgreSQL's heap and BRIN designs) run on one server.
  for (const group of sharedStarts(config.bindings)) {
    await withBinding(group[0], {}, (reason) => {
      for (const binding of group) {
        const why = binding.skipNote ? `${reason} (${binding.skipNote})` : reason;
        progress.skip(plannedSteps(config, binding), why);
        skipRow(results, config, binding, why);
      }
    }, async (engine) => {
      for (const binding of group) {
        const store = await binding.open(engine);
        try {
          await measureStore({
            experiment: ANALYTICS_TABLE,
            config,
            binding,
            engine,
            store,
            references,
            results,
            progress,
          });
        } finally {
          await store.close();
        }
      }
    });
  }
  return { [ANALYTICS_TABLE]: results.rows() };
}

function skipRow(results: ResultSet, config: AnalyticsConfig, binding: Binding, reason: string) {
  results.run(runIdentity(ANALYTICS_TABLE, config, skippedEngine(binding.engine), "", 0))
    .add("skipped", 1, "flag", { store: binding.name, reason }).end(0);
}

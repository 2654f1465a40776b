/**
 * What the product-search experiment's parts share while they run: the tables and their
 * result sets, the configuration, progress, the catalog and query log, and the started
 * engines' stores.
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import type { DimValue, ResultSet } from "../../results/mod.ts";
import type { Progress } from "../experiment.ts";
import { type EngineIdentity, runIdentity, skippedEngine } from "../params.ts";
import type { SearchProduct, SearchQuery } from "../../workload/search.ts";
import type { Zipf } from "../../workload/zipf.ts";
import type { SearchBinding, SearchCache, SearchStore } from "./binding.ts";
import type { SearchConfig } from "./config.ts";

/** Catalog load and index build per binding. */
export const LOAD = "search_load";
/** Latency per binding, cache, updates, offered rate and query type. */
export const LATENCY = "search_latency";
/** The highest rate under the SLO per binding, with and without cache and updates. */
export const HEADROOM = "search_headroom";
/** Index freshness (product changed → searchable) per binding and rate. */
export const FRESHNESS = "search_freshness";
/** Answer checks: filters, overlap with BM25 and between engines, typos found. */
export const ANSWERS = "search_answers";

/** The experiment's tables, in order. */
export const SEARCH_TABLES = [LOAD, LATENCY, HEADROOM, FRESHNESS, ANSWERS] as const;

/** A table of the experiment. */
export type SearchTable = typeof SEARCH_TABLES[number];

/** Identity of rows computed by the harness alone (the BM25 reference). */
export const REFERENCE: EngineIdentity = {
  engine: "reference",
  version: "lib/checks/search.ts BM25",
  provider: "computed",
};

/** A binding whose engine is up and whose catalog is loaded. */
export interface Live {
  binding: SearchBinding;
  engine: Engine;
  store: SearchStore;
}

/** The state of one run. */
export interface SearchRun {
  config: SearchConfig;
  sets: Record<SearchTable, ResultSet>;
  progress: Progress;
  products: SearchProduct[];
  byId: Map<number, SearchProduct>;
  log: SearchQuery[];
  /** Popularity of the log's queries (rank 1 = log[0]). */
  popularity: Zipf;
  /** The cache, when its engine is up. */
  cache?: { engine: Engine; cache: SearchCache };
}

/** The engine identity of a started engine. */
export function identity(engine: Engine): EngineIdentity {
  return { engine: engine.engine, version: engine.version, provider: engine.provider };
}

/** Add one run of rows: identity, shared dims, metrics as [name, value, unit]. */
export function addRow(
  ctx: SearchRun,
  table: SearchTable,
  engine: EngineIdentity,
  engineConfig: Record<string, string> | string,
  repetition: number,
  dims: Record<string, DimValue>,
  metrics: readonly (readonly [string, number, string])[],
) {
  const run = ctx.sets[table].run(
    runIdentity(table, ctx.config, engine, engineConfig, repetition, dims),
  );
  for (const [m, v, u] of metrics) run.add(m, v, u);
  run.end();
}

/** One `skipped` row in each table for a binding, with the one-line reason. */
export function skipBinding(ctx: SearchRun, name: string, planned: number, reason: string) {
  ctx.progress.skip(planned, reason);
  for (const t of SEARCH_TABLES) {
    ctx.sets[t].run(runIdentity(t, ctx.config, skippedEngine(name), "", 0, { binding: name }))
      .add("skipped", 1, "flag", { reason }).end(0);
  }
}

/** The q-quantile (0..1) of a list (nearest rank); NaN when empty. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

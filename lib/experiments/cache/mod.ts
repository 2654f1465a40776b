/**
 * Experiment 02, the cache in front of the catalog: each bound cache (./bindings.ts) doing
 * cache-aside for PostgreSQL's product pages, in four parts, each its own table:
 *
 * - `cache_hit_ratio` (./hit_ratio_part.ts): hit ratio, throughput, hit/miss latency, database
 *   queries avoided and engine memory, swept over memory budget × eviction policy × Zipf skew;
 *   every run's hit ratio is counted by the client and by the engine, and the two must agree.
 * - `cache_consistency` (./consistency_part.ts): stale reads under concurrent price/stock
 *   updates per invalidation strategy, judged on the recorded history.
 * - `cache_sessions` (./sessions_part.ts): a read-mostly session store, and what a clean or a
 *   crash restart loses per persistence configuration.
 * - `cache_cluster` (./cluster_part.ts), for bindings that cluster: a member joining under
 *   load (join and migration time, latency before and during) and a member killed at each
 *   backup count (entries lost, counted against what the client wrote).
 *
 * What runs where comes from the bindings' declarations; this module names no engine.
 *
 * @module
 */

import { collectProvenance, ResultSet } from "../../results/mod.ts";
import { createCatalog } from "../../workload/generate.ts";
import { withBinding } from "../binding.ts";
import type { Experiment, Progress, Tables } from "../experiment.ts";
import { catalogBinding, catalogDb } from "./catalog_db.ts";
import { type CacheConfig, cacheConfig } from "./config.ts";
import { clusterPart, clusterRuns } from "./cluster_part.ts";
import { consistencyPart, consistencyRuns } from "./consistency_part.ts";
import { CACHE_TABLES, type CacheRun } from "./context.ts";
import { catalogFacts, hitRatioCells, hitRatioPart } from "./hit_ratio_part.ts";
import { sessionRuns, sessionsPart } from "./sessions_part.ts";

export { type CacheConfig, cacheConfig } from "./config.ts";
export {
  CACHE_CLUSTER,
  CACHE_CONSISTENCY,
  CACHE_HIT_RATIO,
  CACHE_SESSIONS,
  CACHE_TABLES,
} from "./context.ts";

/** The cache experiment (notebook 02). */
export const cache: Experiment<CacheConfig> = {
  id: "cache",
  title: "caching layer for catalog and sessions",
  notebook: "02-cache-hit-ratio",
  tables: CACHE_TABLES,
  module: import.meta.url,
  config: cacheConfig,
  run: runCache,
};

/** Run every part on every binding and return the four tables (writes nothing). */
export async function runCache(config: CacheConfig, progress: Progress): Promise<Tables> {
  const provenance = await collectProvenance();
  const sets = Object.fromEntries(
    CACHE_TABLES.map((t) => [t, new ResultSet(provenance)]),
  ) as CacheRun["sets"];
  const catalog = createCatalog(config.scale, config.seed);
  const plan = (ctx: Pick<CacheRun, "config">) =>
    config.bindings.reduce(
      (n, b) =>
        n + hitRatioCells(ctx, b) + consistencyRuns(ctx) + sessionRuns(ctx, b) +
        clusterRuns(ctx, b),
      0,
    );
  progress.plan(plan({ config }));
  const done = await withBinding(catalogBinding, {}, () => {}, async (pg) => {
    const db = catalogDb(pg.primary);
    progress.log(`loading ${catalog.products.length} product pages into PostgreSQL ${pg.version}`);
    const loaded = await db.load(catalog);
    const ctx: CacheRun = { config, catalog, db, loaded, sets, progress };
    catalogFacts(ctx, pg);
    for (const binding of config.bindings) {
      await hitRatioPart(ctx, binding);
      await consistencyPart(ctx, binding);
      await sessionsPart(ctx, binding);
      await clusterPart(ctx, binding);
    }
    return true;
  });
  if (!done) throw new Error("cache: the catalog database (PostgreSQL) cannot run here");
  return Object.fromEntries(CACHE_TABLES.map((t) => [t, sets[t].rows()]));
}

/**
 * What the cache experiment's three parts share while they run: the configuration, the
 * catalog and its database, the result sets of the three tables, progress, and the one way a
 * part starts a binding's engine (or records its skip in the part's table).
 *
 * @module
 */

import type { Engine, EngineSpec } from "../../engines/mod.ts";
import type { ResultSet } from "../../results/mod.ts";
import type { Catalog } from "../../workload/generate.ts";
import { withBinding } from "../binding.ts";
import type { Progress } from "../experiment.ts";
import { type EngineIdentity, runIdentity, skippedEngine } from "../params.ts";
import type { CacheBackend, CacheBinding } from "./binding.ts";
import type { CatalogDb, LoadedCatalog } from "./catalog_db.ts";
import type { CacheConfig } from "./config.ts";

/** Experiment id and CSV name of the hit-ratio sweep. */
export const CACHE_HIT_RATIO = "cache_hit_ratio";
/** Experiment id and CSV name of the consistency runs. */
export const CACHE_CONSISTENCY = "cache_consistency";
/** Experiment id and CSV name of the session store. */
export const CACHE_SESSIONS = "cache_sessions";
/** Experiment id and CSV name of the cluster part (members joining and dying). */
export const CACHE_CLUSTER = "cache_cluster";
/** The experiment's tables. */
export const CACHE_TABLES = [
  CACHE_HIT_RATIO,
  CACHE_CONSISTENCY,
  CACHE_SESSIONS,
  CACHE_CLUSTER,
] as const;

/** A table of the experiment. */
export type CacheTable = typeof CACHE_TABLES[number];

/** The state of one run of the experiment. */
export interface CacheRun {
  config: CacheConfig;
  catalog: Catalog;
  db: CatalogDb;
  loaded: LoadedCatalog;
  sets: Record<CacheTable, ResultSet>;
  progress: Progress;
}

/**
 * Start the binding's engine with `settings`, open its backend, hand both to `body`, close and
 * stop. When the engine cannot run here, `table` gets one `skipped` row with the reason and
 * progress skips the `planned` configurations instead.
 */
export async function withCache(
  ctx: CacheRun,
  table: CacheTable,
  binding: CacheBinding,
  settings: EngineSpec["settings"],
  planned: number,
  body: (engine: Engine, backend: CacheBackend) => Promise<void>,
  options?: EngineSpec["options"],
): Promise<void> {
  await withBinding(binding, { settings, ...(options ? { options } : {}) }, (reason) => {
    ctx.progress.skip(planned, reason);
    skipRow(ctx, table, binding, reason);
  }, async (engine) => {
    const backend = await binding.backend(engine);
    try {
      await body(engine, backend);
    } finally {
      await backend.close();
    }
  });
}

/**
 * The identity columns of a binding's rows: the binding's name in the `engine` column, so two
 * bindings of one engine (Hazelcast with and without a near cache) stay apart.
 */
export function cacheIdentity(binding: CacheBinding, engine: Engine): EngineIdentity {
  return { engine: binding.name, version: engine.version, provider: engine.provider };
}

/** One `skipped` row in `table` for a binding, with the one-line reason. */
export function skipRow(ctx: CacheRun, table: CacheTable, binding: CacheBinding, reason: string) {
  ctx.sets[table].run(runIdentity(table, ctx.config, skippedEngine(binding.name), "", 0))
    .add("skipped", 1, "flag", { reason }).end(0);
}

/**
 * The hit-ratio sweep (table cache_hit_ratio): for each binding, each eviction policy it
 * offers and each memory budget (% of the hot data set), every skew and repetition runs one
 * cell of ./hit_ratio.ts. How a budget is applied is the binding's declaration: on the running
 * engine (one start per policy) or as a start setting (one start per budget).
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import { quantileSorted } from "../../checks/stale_reads.ts";
import { deriveSeed } from "../../workload/rng.ts";
import { createZipf } from "../../workload/zipf.ts";
import { loadTicks } from "../experiment.ts";
import { runIdentity } from "../params.ts";
import type { BudgetApplied, CacheBackend, CacheBinding } from "./binding.ts";
import type { CatalogDb } from "./catalog_db.ts";
import { CACHE_HIT_RATIO, cacheIdentity, type CacheRun, skipRow, withCache } from "./context.ts";
import { runHitRatioCell, type Workers } from "./hit_ratio.ts";

const MIB = 1024 * 1024;

/** The policies of a binding the configuration runs. */
export function policiesOf(ctx: Pick<CacheRun, "config">, binding: CacheBinding) {
  const wanted = ctx.config.policies;
  return binding.policies.filter((p) => !wanted || wanted.includes(p.id));
}

/** The budgets (% of the hot set) the sweep runs on one binding. */
export function budgetsOf(ctx: Pick<CacheRun, "config">, binding: CacheBinding): number[] {
  return ctx.config.budgetsPct.filter((b) => !binding.budgetsPct || binding.budgetsPct.includes(b));
}

/** Cells the sweep measures on one binding. */
export function hitRatioCells(ctx: Pick<CacheRun, "config">, binding: CacheBinding): number {
  if (binding.budget.kind === "none") return 0;
  const c = ctx.config;
  return policiesOf(ctx, binding).length * budgetsOf(ctx, binding).length * c.skews.length *
    c.repetitions;
}

/** The data budget of a percentage of the hot set (bytes). */
function budgetOf(ctx: CacheRun, pct: number): number {
  return Math.round(ctx.loaded.hotSetBytes * pct / 100);
}

/** Run the sweep on one binding. */
export async function hitRatioPart(ctx: CacheRun, binding: CacheBinding): Promise<void> {
  const budget = binding.budget;
  if (budget.kind === "none") {
    skipRow(ctx, CACHE_HIT_RATIO, binding, budget.reason);
    return;
  }
  const perBudget = ctx.config.skews.length * ctx.config.repetitions;
  for (const policy of policiesOf(ctx, binding)) {
    if (budget.kind === "runtime") {
      const planned = perBudget * budgetsOf(ctx, binding).length;
      await withCache(ctx, CACHE_HIT_RATIO, binding, policy.settings, planned, async (e, b) => {
        const workers = await openWorkers(b, ctx.db, ctx.config.concurrency);
        try {
          await b.flush();
          const apply = await budget.prepare(e, b, policy.id);
          for (const pct of budgetsOf(ctx, binding)) {
            const applied = await apply(budgetOf(ctx, pct));
            await sweepCells(ctx, binding, e, b, workers, policy.id, pct, applied);
          }
        } finally {
          await closeWorkers(workers);
        }
      });
    } else {
      for (const pct of budgetsOf(ctx, binding)) {
        const { settings, applied } = budget.settings(budgetOf(ctx, pct), policy.id);
        const all = { ...policy.settings, ...settings };
        await withCache(ctx, CACHE_HIT_RATIO, binding, all, perBudget, async (e, b) => {
          const workers = await openWorkers(b, ctx.db, ctx.config.concurrency);
          try {
            await sweepCells(ctx, binding, e, b, workers, policy.id, pct, applied);
          } finally {
            await closeWorkers(workers);
          }
        });
      }
    }
  }
}

async function openWorkers(backend: CacheBackend, db: CatalogDb, n: number): Promise<Workers> {
  return {
    caches: await Promise.all(Array.from({ length: n }, () => backend.client())),
    dbs: await Promise.all(Array.from({ length: n }, () => db.session())),
  };
}

async function closeWorkers(w: Workers) {
  await Promise.all([...w.caches.map((c) => c.close()), ...w.dbs.map((d) => d.close())]);
}

async function sweepCells(
  ctx: CacheRun,
  binding: CacheBinding,
  engine: Engine,
  backend: CacheBackend,
  workers: Workers,
  policy: string,
  pct: number,
  applied: BudgetApplied,
) {
  const { config, catalog } = ctx;
  const budget = budgetOf(ctx, pct);
  const hits: number[] = [];
  for (let rep = 0; rep < config.repetitions; rep++) {
    for (const skew of config.skews) {
      const run = ctx.sets[CACHE_HIT_RATIO].run({
        ...runIdentity(
          CACHE_HIT_RATIO,
          ctx.config,
          cacheIdentity(binding, engine),
          applied.config,
          rep,
        ),
        dims: { policy, budget_pct: pct, skew },
      });
      const label = `${binding.name} ${policy} ${pct}% s=${skew} rep ${rep + 1}`;
      ctx.progress.step(label);
      const m = await runHitRatioCell(backend, workers, catalog, {
        zipf: createZipf(catalog.products.length, skew),
        warmupOps: config.warmupOps,
        warmupBatch: config.warmupBatch,
        measuredOps: config.measuredOps,
        concurrency: config.concurrency,
        // The same access stream for every engine, policy and budget at one (rep, skew).
        seed: deriveSeed(config.seed, `hit:${rep}:${skew}`),
        progress: loadTicks(ctx.progress),
        label,
      });
      const lookups = m.client.hits + m.client.misses;
      run.addLoad(m.load);
      run.add("hit_ratio", lookups ? m.client.hits / lookups : 0, "ratio")
        .add("hit_ratio_bound", m.boundRatio, "ratio")
        .add("db_queries", m.client.misses, "count")
        .add("db_queries_avoided", m.client.hits, "count")
        .add(
          "db_queries_per_s",
          m.load.elapsedS > 0 ? m.client.misses / m.load.elapsedS : 0,
          "queries/s",
        )
        .add("budget_bytes", budget, "bytes")
        .add("memory_limit_bytes", applied.limitBytes, "bytes")
        .add("hot_set_bytes", ctx.loaded.hotSetBytes, "bytes")
        .add("items", m.engine.items, "count")
        .add("cache_set_failures", m.setFailures, "count")
        .add("overwrites", m.overwrites, "count");
      if (m.accounting) {
        run.add("hit_ratio_engine", m.accounting.engineRatio, "ratio")
          .add("hit_accounting_agree", m.accounting.agree ? 1 : 0, "flag")
          .add("lookup_diff", m.accounting.lookupDiff, "count")
          .add("evictions", m.engine.evictions, "count")
          .add("engine_memory_bytes", m.engine.memoryBytes, "bytes")
          .add("engine_data_bytes", m.engine.dataBytes, "bytes");
        if (!m.accounting.agree) {
          ctx.progress.log(`HIT ACCOUNTING DISAGREES (${label}): ${m.accounting.problem}`);
        }
      }
      run.end();
      hits.push(m.accounting?.clientRatio ?? m.client.hits / Math.max(1, lookups));
    }
  }
  // One line per configuration (not per cell).
  const mean = hits.reduce((a, b) => a + b, 0) / Math.max(1, hits.length);
  const memory = (await backend.counters()).memoryBytes;
  ctx.progress.log(
    `${binding.name} ${policy} ${pct}%: mean hit ratio ${mean.toFixed(3)} over ` +
      `${hits.length} runs, memory ${(memory / MIB).toFixed(1)} MiB`,
  );
}

/** Object-size figures of the catalog for the hit-ratio table. */
export function catalogFacts(ctx: CacheRun, pg: Engine) {
  const { loaded } = ctx;
  ctx.sets[CACHE_HIT_RATIO].run(runIdentity(CACHE_HIT_RATIO, ctx.config, pg, "defaults", 0))
    .add("hot_set_bytes", loaded.hotSetBytes, "bytes")
    .add("products", loaded.rows, "count")
    .add("value_bytes_p50", quantileSorted(loaded.valueSizes, 0.5), "bytes")
    .add("value_bytes_p90", quantileSorted(loaded.valueSizes, 0.9), "bytes")
    .add("value_bytes_min", loaded.valueSizes[0], "bytes")
    .add("value_bytes_max", loaded.valueSizes.at(-1)!, "bytes")
    .add("load_time", loaded.seconds, "s")
    .end(loaded.seconds);
}

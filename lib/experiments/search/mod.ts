/**
 * Experiment 09, product search under the 200 ms objective: a seeded catalog and a Zipf
 * query log (lib/workload/search.ts) searched on every binding (./bindings.ts) — this module
 * names no engine — in three parts, with every engine up at once so the cache can be put in
 * front of whichever binding did best:
 *
 * 1. load and index the catalog, per binding (LOAD);
 * 2. answers (./answers_part.ts): the filter checker on every returned product, top-10
 *    overlap with a BM25 reference and between bindings, misspelled queries found (ANSWERS);
 * 3. against the SLO (./slo_part.ts): open-loop sweeps at rising rates per binding, plain and
 *    while products change (with index freshness), then the Redis result cache in front of
 *    the best binding, plain and under updates (LATENCY, HEADROOM, FRESHNESS).
 *
 * @module
 */

import { dirname } from "node:path";
import { type Engine, engineDefinition, type EngineName } from "../../engines/mod.ts";
import { waitUntil } from "../../engines/runtime/net.ts";
import { collectProvenance, ResultSet } from "../../results/mod.ts";
import { createZipf } from "../../workload/zipf.ts";
import { generateQueryLog, generateSearchCatalog } from "../../workload/search.ts";
import { sharedStarts, withBinding } from "../binding.ts";
import type { Experiment, Progress, Tables } from "../experiment.ts";
import { runIdentity, skippedEngine } from "../params.ts";
import type { SearchBinding } from "./binding.ts";
import { CACHE_BINDING } from "./bindings.ts";
import { type SearchConfig, searchConfig } from "./config.ts";
import { answersPart, answerSteps } from "./answers_part.ts";
import {
  addRow,
  HEADROOM,
  identity,
  type Live,
  LOAD,
  SEARCH_TABLES,
  type SearchRun,
  skipBinding,
} from "./context.ts";
import { best, type Sweep, sweep, sweepSteps } from "./slo_part.ts";

export { type SearchConfig, searchConfig } from "./config.ts";
export { ANSWERS, FRESHNESS, HEADROOM, LATENCY, LOAD, SEARCH_TABLES } from "./context.ts";

const PLAIN = { cache: false, updates: false };
const UPDATES = { cache: false, updates: true };

function bindingSteps(ctx: Pick<SearchRun, "config">): number {
  return 1 + 1 + sweepSteps(ctx, PLAIN) + sweepSteps(ctx, UPDATES);
}

/** The product-search experiment (notebook 09). */
export const search: Experiment<SearchConfig> = {
  id: "search",
  title: "product search under the 200 ms objective",
  notebook: "09-product-search",
  tables: SEARCH_TABLES,
  module: import.meta.url,
  config: searchConfig,
  run: runSearch,
};

/** Answers and sweeps on the live bindings; the cache in front of the best one. */
async function measure(ctx: SearchRun, live: Live[]) {
  if (live.length === 0) return;
  await answersPart(ctx, live);
  const plain: { live: Live; sweep: Sweep }[] = [];
  for (const l of live) {
    const s = await guarded(ctx, live, l, PLAIN, () => sweep(ctx, l, l.store, PLAIN));
    if (s) plain.push({ live: l, sweep: s });
  }
  for (const l of live) await guarded(ctx, live, l, UPDATES, () => sweep(ctx, l, l.store, UPDATES));
  const top = best(plain);
  if (!ctx.cache || !top) return;
  const name = top.live.binding.name;
  ctx.progress.log(`cache in front of ${name} (headroom ${top.sweep.headroom} requests/s)`);
  addRow(ctx, HEADROOM, identity(ctx.cache.engine), ctx.cache.engine.settings, 0, {
    binding: name,
    cache: "choice",
    updates: "off",
  }, [["cached_binding", 1, "flag"], ["ttl_s", ctx.config.cacheTtlS, "s"]]);
  const cached = await ctx.cache.cache.wrap(
    top.live.store,
    ctx.config.cacheTtlS,
    ctx.config.load.connections,
  );
  try {
    const c = { cache: true, updates: false }, cu = { cache: true, updates: true };
    await guarded(ctx, live, top.live, c, () => sweep(ctx, top.live, cached, c));
    await guarded(ctx, live, top.live, cu, () => sweep(ctx, top.live, cached, cu));
  } finally {
    await cached.close();
  }
}

/**
 * Run a sweep; if it fails, or the engine stops answering after it (a server process that
 * crashed and restarted), record that as a result with the server's own last words, wait
 * for the engine to answer again and reopen the connections of every binding on it.
 */
async function guarded<T>(
  ctx: SearchRun,
  live: readonly Live[],
  l: Live,
  mode: { cache: boolean; updates: boolean },
  body: () => Promise<T>,
): Promise<T | undefined> {
  let failure: string | undefined;
  let out: T | undefined;
  try {
    out = await body();
  } catch (err) {
    failure = oneLine(err);
  }
  try {
    await l.store.search(ctx.log[0], ctx.config.k, 0);
    await l.store.search(ctx.log[0], ctx.config.k, ctx.config.load.connections - 1);
  } catch (err) {
    failure ??= `connections lost after the sweep: ${oneLine(err)}`;
  }
  if (failure === undefined) return out;
  const words = await serverLog(l.engine);
  const reason = `${failure}${words ? `; server log: ${words}` : ""}`;
  ctx.progress.log(`${l.binding.name}: sweep failed: ${reason}`);
  addRow(ctx, HEADROOM, identity(l.engine), l.engine.settings, 0, {
    binding: l.binding.name,
    cache: mode.cache ? "on" : "off",
    updates: mode.updates ? "on" : "off",
    failure: reason.slice(0, 300),
  }, [["engine_failed", 1, "flag"]]);
  const definition = engineDefinition(l.engine.engine as EngineName);
  await waitUntil(() => definition.ping(l.engine.primary), { timeoutMs: 60_000, intervalMs: 250 });
  for (const other of live.filter((x) => x.engine === l.engine)) {
    await other.store.close().catch(() => undefined);
    other.store = await other.binding.open(other.engine, ctx.config.load.connections);
  }
  return out;
}

function oneLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).replace(/\s+/g, " ").slice(0, 200);
}

/** The lines of a native server's log that say a process died (empty when none or no log). */
async function serverLog(engine: Engine): Promise<string> {
  const dir = engine.primary.dataDir;
  if (!dir) return "";
  const candidates = [`${dirname(dir)}/logs/${engine.primary.name}.log`, `${dir}/searchd.log`];
  for (const path of candidates) {
    try {
      const text = await Deno.readTextFile(path);
      const lines = text.split("\n").filter((x) =>
        /terminated by signal|was terminated|FATAL|PANIC|crash/i.test(x)
      );
      if (lines.length) {
        return lines.slice(0, 2).map((x) => x.replace(/\s+/g, " ").slice(0, 160)).join(" | ");
      }
    } catch {
      // no such log
    }
  }
  return "";
}

/** Start each shared group's engine in turn (nested, so all stay up), load, then measure. */
async function withGroups(ctx: SearchRun, groups: SearchBinding[][], i: number, live: Live[]) {
  if (i === groups.length) return await measure(ctx, live);
  const group = groups[i];
  let ran = false;
  await withBinding(group[0], {}, (reason) => {
    for (const b of group) skipBinding(ctx, b.name, bindingSteps(ctx), reason);
  }, async (engine) => {
    ran = true;
    const mine: Live[] = [];
    try {
      for (const b of group) {
        ctx.progress.step(`load ${ctx.products.length} products into ${b.name}`);
        const f = await b.load(engine, ctx.products);
        addRow(ctx, LOAD, identity(engine), engine.settings, 0, { binding: b.name }, [
          ["products", ctx.products.length, "count"],
          ["load_s", f.loadS, "s"],
          ["index_s", f.indexS, "s"],
          ["index_bytes", f.bytes, "bytes"],
        ]);
        ctx.progress.log(
          `${b.name}: loaded in ${f.loadS.toFixed(1)} s, indexed in ${f.indexS.toFixed(1)} s, ${
            (f.bytes / 1e6).toFixed(1)
          } MB`,
        );
        mine.push({ binding: b, engine, store: await b.open(engine, ctx.config.load.connections) });
      }
      await withGroups(ctx, groups, i + 1, [...live, ...mine]);
    } finally {
      for (const l of mine) await l.store.close();
    }
  });
  if (!ran) await withGroups(ctx, groups, i + 1, live);
}

/** Run every part on every binding and return the tables (writes nothing). */
export async function runSearch(config: SearchConfig, progress: Progress): Promise<Tables> {
  const provenance = await collectProvenance();
  const sets = Object.fromEntries(
    SEARCH_TABLES.map((t) => [t, new ResultSet(provenance)]),
  ) as SearchRun["sets"];
  const products = generateSearchCatalog(config.catalog, config.seed);
  const log = generateQueryLog(products, config.queries, config.seed);
  const ctx: SearchRun = {
    config,
    sets,
    progress,
    products,
    byId: new Map(products.map((p) => [p.id, p])),
    log,
    popularity: createZipf(log.length, config.queries.popularitySkew),
  };
  const cacheSteps = config.cache ? 2 * sweepSteps(ctx, PLAIN) : 0;
  progress.plan(config.bindings.length * bindingSteps(ctx) + 1 + cacheSteps);
  const groups = sharedStarts(config.bindings);
  if (config.cache) {
    let ran = false;
    await withBinding(CACHE_BINDING, {}, (reason) => {
      progress.skip(cacheSteps, reason);
      sets[HEADROOM].run(
        runIdentity(HEADROOM, config, skippedEngine(CACHE_BINDING.name), "", 0, {
          binding: CACHE_BINDING.name,
          cache: "on",
        }),
      ).add("skipped", 1, "flag", { reason }).end(0);
    }, async (engine) => {
      ran = true;
      ctx.cache = { engine, cache: CACHE_BINDING.cache(engine) };
      await withGroups(ctx, groups, 0, []);
    });
    if (!ran) await withGroups(ctx, groups, 0, []);
  } else {
    await withGroups(ctx, groups, 0, []);
  }
  return Object.fromEntries(SEARCH_TABLES.map((t) => [t, sets[t].rows()]));
}

/** Steps one binding contributes (for tests). */
export { answerSteps, bindingSteps };

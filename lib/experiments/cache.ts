/**
 * Experiment 02, the cache in front of the catalog: Redis and Memcached (Hazelcast through
 * docker/external when reachable) doing cache-aside for PostgreSQL's product pages, in three
 * parts, each its own CSV in data/:
 *
 * - `cache_hit_ratio`: hit ratio, throughput, hit/miss latency, database queries avoided and
 *   engine memory, swept over memory budget (% of the hot data set) × eviction policy × Zipf
 *   skew; every run's hit ratio is counted by the client and by the engine, and the two must
 *   agree (lib/checks/hit_ratio.ts).
 * - `cache_consistency`: stale reads under concurrent price/stock updates per invalidation
 *   strategy, judged by lib/checks/stale_reads.ts on the recorded history.
 * - `cache_sessions`: a read-mostly session store, and what a restart loses (Redis without
 *   and with AOF persistence, Memcached), clean and after a crash.
 *
 * Configuration in, rows out: `cacheExperiment(config)` returns the three tables (running the
 * engines, or replaying the committed files).
 */

import { EngineUnavailable, startEngine } from "../engines/mod.ts";
import { redisCommand } from "../engines/redis/client.ts";
import type { Engine, EngineName } from "../engines/mod.ts";
import { quantileSorted } from "../checks/stale_reads.ts";
import {
  collectProvenance,
  type EngineConfig,
  type ResultRow,
  ResultSet,
  type RunResults,
} from "../results/mod.ts";
import { type Catalog, createCatalog } from "../workload/generate.ts";
import { deriveSeed } from "../workload/rng.ts";
import { createZipf } from "../workload/zipf.ts";
import type { CacheBackend } from "./cache/backend.ts";
import { cacheBackend, type CacheEngine } from "./cache/backends.ts";
import { type CatalogDb, catalogDb, type LoadedCatalog } from "./cache/catalog_db.ts";
import { type CacheConfig, cacheConfig, type RedisPolicy } from "./cache/config.ts";
import { type ConsistencyWorkers, runConsistency } from "./cache/consistency.ts";
import { runHitRatioCell, type Workers } from "./cache/hit_ratio.ts";
import {
  type RestartKind,
  runRestartLoss,
  runSessionLoad,
  sessionValues,
} from "./cache/sessions.ts";
import { runOrReplay } from "./replay.ts";
import { runIdentity, skippedEngine } from "./params.ts";

export { type CacheConfig, cacheConfig } from "./cache/config.ts";

/** Experiment id and CSV name of the hit-ratio sweep. */
export const CACHE_HIT_RATIO = "cache_hit_ratio";
/** Experiment id and CSV name of the consistency runs. */
export const CACHE_CONSISTENCY = "cache_consistency";
/** Experiment id and CSV name of the session store. */
export const CACHE_SESSIONS = "cache_sessions";
/** The experiment's tables. */
export const CACHE_TABLES = [CACHE_HIT_RATIO, CACHE_CONSISTENCY, CACHE_SESSIONS] as const;

/** The experiment's result tables by name. */
export type CacheTables = Record<typeof CACHE_TABLES[number], ResultRow[]>;

const MIB = 1024 * 1024;

/**
 * Memcached's `-m` is whole MiB, and with its default 1 MiB item size limit it refuses less
 * than 2 MiB ("Cannot set item size limit higher than 1/2 of memory max"). Smaller slab pages
 * (`-I 64k -o slab_chunk_max=32`) made memcached 1.6.18 crash on the first set here, so the
 * defaults stay and small budgets are rounded up to 2 MiB.
 */
export const MEMCACHED_MIN_MIB = 2;

/** Rows of the three tables: run the experiment, or replay the committed CSVs. */
export async function cacheExperiment(options: Partial<CacheConfig> = {}): Promise<CacheTables> {
  const config = cacheConfig(options);
  return await runOrReplay(CACHE_TABLES, config.run, () => runCache(config));
}

type Log = (line: string) => void;

interface Ctx {
  config: CacheConfig;
  catalog: Catalog;
  db: CatalogDb;
  loaded: LoadedCatalog;
  sets: Record<typeof CACHE_TABLES[number], ResultSet>;
  log: Log;
}

/** Run every part against the engines and return the rows (writes nothing). */
export async function runCache(
  config: CacheConfig,
  log: Log = (l) => console.error(l),
): Promise<CacheTables> {
  const provenance = await collectProvenance();
  const sets = {
    [CACHE_HIT_RATIO]: new ResultSet(provenance),
    [CACHE_CONSISTENCY]: new ResultSet(provenance),
    [CACHE_SESSIONS]: new ResultSet(provenance),
  };
  const catalog = createCatalog(config.scale, config.seed);
  await using pg = await startEngine({ engine: "postgres" });
  const db = catalogDb(pg.primary);
  log(`cache: loading ${catalog.products.length} product pages into PostgreSQL ${pg.version}`);
  const loaded = await db.load(catalog);
  const ctx: Ctx = { config, catalog, db, loaded, sets, log };
  recordCatalog(ctx, pg);
  for (const name of config.engines) {
    if (name === "redis") {
      for (const policy of config.redisPolicies) await redisSweep(ctx, policy);
    } else if (name === "memcached") {
      await memcachedSweep(ctx);
    } else {
      // No client can set Hazelcast's eviction or size: they are member configuration.
      await withEngine(ctx, [CACHE_HIT_RATIO], { engine: name }, (_e, run) => {
        run("-").add("skipped", 1, "flag", {
          reason:
            "hazelcast: map size and eviction are member-side configuration (hazelcast.xml), " +
            "not settable from a client; hit-ratio sweep not run",
        });
        return Promise.resolve();
      });
    }
    await consistencyPart(ctx, name);
    await sessionsPart(ctx, name);
  }
  return {
    [CACHE_HIT_RATIO]: sets[CACHE_HIT_RATIO].rows(),
    [CACHE_CONSISTENCY]: sets[CACHE_CONSISTENCY].rows(),
    [CACHE_SESSIONS]: sets[CACHE_SESSIONS].rows(),
  };
}

/** The data set itself: its size, the object sizes, and how long loading took. */
function recordCatalog(ctx: Ctx, pg: Engine) {
  const { loaded } = ctx;
  const run = ctx.sets[CACHE_HIT_RATIO].run(
    runIdentity(CACHE_HIT_RATIO, ctx.config, pg, "defaults", 0),
  );
  run.add("hot_set_bytes", loaded.hotSetBytes, "bytes")
    .add("products", loaded.rows, "count")
    .add("value_bytes_p50", quantileSorted(loaded.valueSizes, 0.5), "bytes")
    .add("value_bytes_p90", quantileSorted(loaded.valueSizes, 0.9), "bytes")
    .add("value_bytes_min", loaded.valueSizes[0], "bytes")
    .add("value_bytes_max", loaded.valueSizes.at(-1)!, "bytes")
    .add("load_time", loaded.seconds, "s")
    .end(loaded.seconds);
}

/**
 * Start an engine, hand it to `body`, stop it. When it cannot run here, every table in
 * `tables` gets one `skipped` row with the one-line reason instead.
 */
async function withEngine(
  ctx: Ctx,
  tables: readonly (typeof CACHE_TABLES[number])[],
  spec: { engine: CacheEngine; settings?: Record<string, string | number> },
  body: (
    engine: Engine,
    run: (config: EngineConfig | string, rep?: number) => RunResults,
  ) => Promise<void>,
): Promise<void> {
  let engine: Engine;
  try {
    engine = await startEngine({ engine: spec.engine as EngineName, settings: spec.settings });
  } catch (err) {
    if (!(err instanceof EngineUnavailable)) throw err;
    ctx.log(`cache: ${err.message}`);
    for (const t of tables) {
      ctx.sets[t].run(runIdentity(t, ctx.config, skippedEngine(spec.engine), "", 0))
        .add("skipped", 1, "flag", { reason: err.message }).end(0);
    }
    return;
  }
  try {
    await body(
      engine,
      (config, rep = 0) =>
        ctx.sets[tables[0]].run(runIdentity(tables[0], ctx.config, engine, config, rep)),
    );
  } finally {
    await engine.stop();
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

/** Redis: one server per policy; maxmemory set per budget on top of the empty server's own use. */
async function redisSweep(ctx: Ctx, policy: RedisPolicy) {
  await withEngine(ctx, [CACHE_HIT_RATIO], {
    engine: "redis",
    settings: { "maxmemory-policy": policy },
  }, async (engine) => {
    const backend = await cacheBackend(engine);
    const workers = await openWorkers(backend, ctx.db, ctx.config.concurrency);
    try {
      await backend.flush();
      // maxmemory counts Redis's whole allocator footprint, ~1 MB before the first key; a
      // budget below that would evict every key and refuse writes. The budget is for data,
      // so it is added to this measured baseline.
      const baseline = (await backend.counters()).memoryBytes;
      for (const pct of ctx.config.budgetsPct) {
        const budget = Math.round(ctx.loaded.hotSetBytes * pct / 100);
        const maxmemory = baseline + budget;
        await redisCommand(engine.primary, "CONFIG", "SET", "maxmemory", maxmemory);
        const config = {
          "maxmemory-policy": policy,
          maxmemory,
          maxmemory_baseline: baseline,
          "maxmemory-samples": 5,
        };
        await sweepCells(ctx, engine, backend, workers, policy, pct, budget, maxmemory, config);
      }
    } finally {
      await closeWorkers(workers);
      await backend.close();
    }
  });
}

/** Memcached: one server per budget (`-m` is fixed at start). */
async function memcachedSweep(ctx: Ctx) {
  for (const pct of ctx.config.budgetsPct) {
    const budget = Math.round(ctx.loaded.hotSetBytes * pct / 100);
    const mib = Math.max(MEMCACHED_MIN_MIB, Math.ceil(budget / MIB));
    await withEngine(ctx, [CACHE_HIT_RATIO], {
      engine: "memcached",
      settings: { "memory-limit": mib },
    }, async (engine) => {
      const backend = await cacheBackend(engine);
      const workers = await openWorkers(backend, ctx.db, ctx.config.concurrency);
      try {
        await sweepCells(ctx, engine, backend, workers, "lru", pct, budget, mib * MIB, {
          "memory-limit": mib,
          "slab-growth-factor": 1.25,
        });
      } finally {
        await closeWorkers(workers);
        await backend.close();
      }
    });
  }
}

async function sweepCells(
  ctx: Ctx,
  engine: Engine,
  backend: CacheBackend,
  workers: Workers,
  policy: string,
  pct: number,
  budget: number,
  limit: number,
  engineConfig: EngineConfig,
) {
  const { config, catalog } = ctx;
  const hits: number[] = [];
  for (let rep = 0; rep < config.repetitions; rep++) {
    for (const skew of config.skews) {
      const run = ctx.sets[CACHE_HIT_RATIO].run({
        ...runIdentity(CACHE_HIT_RATIO, ctx.config, engine, engineConfig, rep),
        dims: { policy, budget_pct: pct, skew },
      });
      const label = `cache ${engine.engine} ${policy} ${pct}% s=${skew} rep ${rep + 1}`;
      const m = await runHitRatioCell(backend, workers, catalog, {
        zipf: createZipf(catalog.products.length, skew),
        warmupOps: config.warmupOps,
        warmupBatch: config.warmupBatch,
        measuredOps: config.measuredOps,
        concurrency: config.concurrency,
        // The same access stream for every engine, policy and budget at one (rep, skew).
        seed: deriveSeed(config.seed, `hit:${rep}:${skew}`),
        progress: config.progress,
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
        .add("memory_limit_bytes", limit, "bytes")
        .add("hot_set_bytes", ctx.loaded.hotSetBytes, "bytes")
        .add("items", m.engine.items, "count")
        .add("cache_set_failures", m.setFailures, "count");
      if (m.accounting) {
        run.add("hit_ratio_engine", m.accounting.engineRatio, "ratio")
          .add("hit_accounting_agree", m.accounting.agree ? 1 : 0, "flag")
          .add("lookup_diff", m.accounting.lookupDiff, "count")
          .add("evictions", m.engine.evictions, "count")
          .add("engine_memory_bytes", m.engine.memoryBytes, "bytes")
          .add("engine_data_bytes", m.engine.dataBytes, "bytes");
        if (!m.accounting.agree) {
          ctx.log(`cache: HIT ACCOUNTING DISAGREES (${label}): ${m.accounting.problem}`);
        }
      }
      run.end();
      hits.push(m.accounting?.clientRatio ?? m.client.hits / Math.max(1, lookups));
    }
  }
  // One line per configuration (not per cell): progress for the main job, not a flood.
  const mean = hits.reduce((a, b) => a + b, 0) / Math.max(1, hits.length);
  const memory = (await backend.counters()).memoryBytes;
  ctx.log(
    `cache ${engine.engine} ${policy} ${pct}%: mean hit ratio ${mean.toFixed(3)} over ` +
      `${hits.length} runs, memory ${(memory / MIB).toFixed(1)} MiB`,
  );
}

/** Consistency under writes: each strategy, repeated, on an engine large enough not to evict. */
async function consistencyPart(ctx: Ctx, name: CacheEngine) {
  const c = ctx.config.consistency;
  // No eviction here: staleness should come from the strategy, not from memory pressure.
  const settings: Record<string, number> = name === "memcached" ? { "memory-limit": 1024 } : {};
  await withEngine(ctx, [CACHE_CONSISTENCY], { engine: name, settings }, async (engine) => {
    const backend = await cacheBackend(engine);
    const open = (n: number) => Promise.all(Array.from({ length: n }, () => backend.client()));
    const sessions = (n: number) => Promise.all(Array.from({ length: n }, () => ctx.db.session()));
    const workers: ConsistencyWorkers = {
      readerCaches: await open(c.readers),
      readerDbs: await sessions(c.readers),
      writerCaches: await open(c.writers),
      writerDbs: await sessions(c.writers),
    };
    const zipf = createZipf(ctx.catalog.products.length, c.skew);
    try {
      for (let rep = 0; rep < ctx.config.repetitions; rep++) {
        for (const strategy of c.strategies) {
          const label = `cache ${name} ${strategy} rep ${rep + 1}`;
          const run = ctx.sets[CACHE_CONSISTENCY].run({
            ...runIdentity(CACHE_CONSISTENCY, ctx.config, engine, { ...engine.settings }, rep),
            dims: {
              strategy,
              ttl_s: strategy === "ttl_only" ? c.ttlS : 0,
              write_rate: c.writeRatePerS,
              skew: c.skew,
            },
          });
          const m = await runConsistency(backend, ctx.db, workers, ctx.catalog, {
            strategy,
            ttlS: c.ttlS,
            readers: c.readers,
            writers: c.writers,
            writeRatePerS: c.writeRatePerS,
            durationMs: c.durationS * 1000,
            zipf,
            seed: deriveSeed(ctx.config.seed, `consistency:${rep}`),
            progress: ctx.config.progress,
            label,
          });
          const v = m.verdict;
          run.addLoad(m.reads);
          run.add("write_throughput", m.writes.throughput, "ops/s", { op: "write" })
            .add("writes", m.writes.ops, "count", { op: "write" })
            .add("write_errors", m.writes.errors, "count", { op: "write" })
            .add("hit_ratio", m.hits + m.misses ? m.hits / (m.hits + m.misses) : 0, "ratio")
            .add("reads_judged", v.reads, "count")
            .add("stale_reads", v.stale, "count")
            .add("stale_rate", v.staleRate, "ratio", { source: "all" })
            .add("future_reads", v.futureReads, "count");
          if (m.writes.latency.count > 0) {
            run.add("latency_p99", m.writes.latency.p99, "ms", { op: "write" });
          }
          for (const [source, t] of Object.entries(v.bySource)) {
            run.add("stale_rate", t.reads ? t.stale / t.reads : 0, "ratio", { source })
              .add("reads_judged", t.reads, "count", { source });
          }
          if (v.stale > 0) {
            run.add("stale_age_p50", quantileSorted(v.agesMs, 0.5), "ms")
              .add("stale_age_p99", quantileSorted(v.agesMs, 0.99), "ms")
              .add("stale_age_max", v.agesMs.at(-1)!, "ms");
          }
          run.end();
          ctx.log(
            `${label}: ${v.reads} reads, ${v.writes} writes, ${v.stale} stale ` +
              `(${(v.staleRate * 100).toFixed(2)} %), max age ${
                (v.agesMs.at(-1) ?? 0).toFixed(0)
              } ms` +
              (v.futureReads ? `, ${v.futureReads} FUTURE READS` : ""),
          );
          if (v.futureReads > 0) ctx.log(`cache: ${v.examples.join("; ")}`);
        }
      }
    } finally {
      const all = [...workers.readerCaches, ...workers.writerCaches];
      await Promise.all([
        ...all.map((x) => x.close()),
        ...[...workers.readerDbs, ...workers.writerDbs].map((d) => d.close()),
      ]);
      await backend.close();
    }
  });
}

/** Persistence configurations of the session store, per engine. */
function sessionConfigs(
  name: CacheEngine,
): { persistence: string; settings: Record<string, string> }[] {
  if (name === "redis") {
    return [
      { persistence: "none", settings: {} },
      // everysec: Redis's recommended trade-off (fsync once a second in the background).
      { persistence: "aof_everysec", settings: { appendonly: "yes", appendfsync: "everysec" } },
    ];
  }
  return [{ persistence: "none", settings: {} }];
}

/** The session store: load and restart loss, per persistence configuration. */
async function sessionsPart(ctx: Ctx, name: CacheEngine) {
  const s = ctx.config.sessions;
  const values = sessionValues(ctx.catalog, Math.max(s.count, s.restartCount));
  for (const { persistence, settings } of sessionConfigs(name)) {
    await withEngine(ctx, [CACHE_SESSIONS], { engine: name, settings }, async (engine) => {
      const backend = await cacheBackend(engine);
      try {
        for (let rep = 0; rep < ctx.config.repetitions; rep++) {
          const id = runIdentity(CACHE_SESSIONS, ctx.config, engine, { ...engine.settings }, rep);
          const run = ctx.sets[CACHE_SESSIONS].run({ ...id, dims: { persistence } });
          const caches = await Promise.all(
            Array.from({ length: s.concurrency }, () => backend.client()),
          );
          let m;
          try {
            m = await runSessionLoad(backend, caches, {
              sessions: values.slice(0, s.count),
              ttlS: s.ttlS,
              readShare: s.readShare,
              concurrency: s.concurrency,
              durationMs: s.durationS * 1000,
              seed: deriveSeed(ctx.config.seed, `sessions:${rep}`),
              progress: ctx.config.progress,
              label: `cache sessions ${name} ${persistence} rep ${rep + 1}`,
            });
          } finally {
            await Promise.all(caches.map((c) => c.close()));
          }
          run.addLoad(m.load);
          run.add("sessions", s.count, "count").add("missing_reads", m.missingReads, "count");
          if (Number.isFinite(m.bytesPerSession)) {
            run.add("bytes_per_session", m.bytesPerSession, "bytes");
          }
          run.end();
          ctx.log(
            `cache sessions ${name} ${persistence} rep ${rep + 1}: ${
              m.load.throughput.toFixed(0)
            } ops/s, ` +
              `p99 ${m.load.latency.p99.toFixed(2)} ms, ${m.bytesPerSession.toFixed(0)} B/session`,
          );
          if (engine.provider !== "native") continue; // restart of docker/external: not measured
          for (const kind of ["clean", "crash"] as RestartKind[]) {
            const r = await runRestartLoss(
              engine,
              backend,
              await backend.client(),
              () => backend.client(),
              values.slice(0, s.restartCount),
              s.ttlS,
              kind,
              s.restartSample,
              deriveSeed(ctx.config.seed, `restart:${rep}:${kind}`),
            );
            ctx.sets[CACHE_SESSIONS].run({ ...id, dims: { persistence, restart: kind } })
              .add("sessions_before", r.before, "count")
              .add("sessions_after", r.after, "count")
              .add("lost_fraction", r.before ? 1 - r.after / r.before : 0, "ratio")
              .add("sample_found_fraction", r.sampled ? r.sampleFound / r.sampled : 0, "ratio")
              .add("restart_time", r.restartS, "s")
              .end();
            ctx.log(
              `cache sessions ${name} ${persistence} ${kind} restart: ${r.after}/${r.before} kept, ` +
                `sample ${r.sampleFound}/${r.sampled}`,
            );
          }
        }
      } finally {
        await backend.close();
      }
    });
  }
}

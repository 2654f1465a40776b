// The cache experiment's parts on real engines, binding by binding: client and engine count
// the same hits, a stale read is detected, concurrent reads and writes are judged, and a
// restart loses what each persistence configuration says it loses.

import assert from "node:assert/strict";
import { startEngine } from "../../engines/mod.ts";
import { type CachedRead, checkStaleReads, type VersionWrite } from "../../checks/stale_reads.ts";
import { createCatalog } from "../../workload/generate.ts";
import { createZipf } from "../../workload/zipf.ts";
import { withBinding } from "../binding.ts";
import { experimentParams } from "../params.ts";
import type { CacheBackend, CacheBinding } from "./binding.ts";
import { catalogBinding, catalogDb } from "./catalog_db.ts";
import { cacheConfig } from "./config.ts";
import { runConsistency } from "./consistency.ts";
import { runHitRatioCell } from "./hit_ratio.ts";
import { memcachedBinding } from "./memcached.ts";
import { productKey, versionOf } from "./page.ts";
import { redisBinding } from "./redis.ts";
import { runRestartLoss, sessionValues } from "./sessions.ts";

const catalog = createCatalog("quick", 42);
const quick = experimentParams({ scale: "quick" });

Deno.test("cache config: bad input fails with one line", () => {
  assert.throws(
    () => cacheConfig(quick, { engines: ["redis", "mongo"] }),
    /^Error: cache: no binding "mongo"; bindings: redis, memcached, hazelcast, hazelcast-near$/,
  );
  assert.throws(
    () => cacheConfig(quick, { budgetsPct: [0] }),
    /budget must be in \(0, 100\] %, got 0/,
  );
  assert.throws(() => cacheConfig(quick, { skews: [-1] }), /skew must be in/);
  assert.throws(() => cacheConfig(quick, { measuredOps: 0 }), /measuredOps must be an integer/);
  assert.throws(
    () => cacheConfig(quick, { policies: ["random"] }),
    /no binding offers policy "random"/,
  );
});

/**
 * Start a binding's engine sized to ~10 % of the hot set, the way the sweep sizes it (at run
 * time or at start), and hand it over with its backend.
 */
async function withSizedCache(
  binding: CacheBinding,
  hotSetBytes: number,
  body: (backend: CacheBackend) => Promise<void>,
) {
  const policy = binding.policies[0];
  const dataBytes = Math.round(hotSetBytes / 10);
  const budget = binding.budget;
  const settings = budget.kind === "start"
    ? { ...policy.settings, ...budget.settings(dataBytes, policy.id).settings }
    : policy.settings;
  const ran = await withBinding(binding, { settings }, (why) => {
    throw new Error(why);
  }, async (engine) => {
    const backend = await binding.backend(engine);
    try {
      await backend.flush();
      if (budget.kind === "runtime") {
        await (await budget.prepare(engine, backend, policy.id))(dataBytes);
      }
      await body(backend);
    } finally {
      await backend.close();
    }
    return true;
  });
  assert.equal(ran, true);
}

Deno.test({
  name:
    "cache: hit ratio of Redis and Memcached agrees with the engines' own counters; a stale read is detected",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using pg = await startEngine({ engine: catalogBinding.engine });
    const db = catalogDb(pg.primary);
    const loaded = await db.load(catalog);
    assert.equal(loaded.rows, catalog.products.length);
    await t.step(
      "catalog: an update names its version before COMMIT; a failure before COMMIT writes nothing",
      async () => {
        await db.resetVersions();
        const [writer, reader] = [await db.session(), await db.session()];
        try {
          const named: number[] = [];
          const first = await writer.update(3, 100, 1, (v) => named.push(v));
          assert.deepEqual(named, [2]);
          assert.equal(first.version, 2);
          // The version is known, the commit not sent: the update must roll back.
          await assert.rejects(
            writer.update(3, 200, 2, () => {
              throw new Error("client gave up");
            }),
            /client gave up/,
          );
          assert.equal((await reader.read(3)).version, 2, "nothing committed");
          // And the connection is usable again, the next update taking the next version.
          assert.equal((await writer.update(3, 300, 3)).version, 3);
        } finally {
          await Promise.all([writer.close(), reader.close()]);
        }
      },
    );
    for (const binding of [redisBinding, memcachedBinding]) {
      const name = binding.name;
      await withSizedCache(binding, loaded.hotSetBytes, async (backend) => {
        const workers = {
          caches: [await backend.client(), await backend.client()],
          dbs: [await db.session(), await db.session()],
        };
        try {
          await t.step(`${name}: client and engine count the same hits and misses`, async () => {
            const m = await runHitRatioCell(backend, workers, catalog, {
              zipf: createZipf(catalog.products.length, 0.99),
              warmupOps: 500,
              warmupBatch: 50,
              measuredOps: 400,
              concurrency: 2,
              seed: 7,
              label: "test",
            });
            assert.equal(m.client.hits + m.client.misses, 400);
            assert.ok(m.client.hits > 0 && m.client.misses > 0, JSON.stringify(m.client));
            assert.equal(m.accounting?.agree, true, m.accounting?.problem ?? "");
            assert.equal(m.engine.hits, m.client.hits);
            assert.equal(m.engine.misses, m.client.misses);
            assert.equal(m.load.errors, 0);
          });

          await t.step(
            `${name}: a delete-on-write race leaves a stale page that the detector finds`,
            async () => {
              await db.resetVersions();
              await backend.flush();
              const [cache] = workers.caches;
              const [reader, writer] = workers.dbs;
              const id = 5;
              const key = productKey(id);
              const reads: CachedRead[] = [];
              const writes: VersionWrite[] = [];
              // Reader misses and reads version 1 from the database ...
              let t0 = performance.now();
              assert.equal(await cache.get(key), null);
              const old = await reader.read(id);
              reads.push({
                key: id,
                version: old.version,
                invokeMs: t0,
                completeMs: performance.now(),
                source: "miss",
              });
              // ... the writer commits version 2 and deletes the key ...
              t0 = performance.now();
              const committed = await writer.update(id, 12345, 7);
              writes.push({
                key: id,
                version: committed.version,
                invokeMs: t0,
                completeMs: performance.now(),
              });
              await cache.del(key);
              // ... and the reader, late, stores what it read: the cache now serves version 1.
              await cache.set(key, old.value);
              t0 = performance.now();
              const cached = await cache.get(key);
              assert.ok(cached !== null);
              reads.push({
                key: id,
                version: versionOf(cached),
                invokeMs: t0,
                completeMs: performance.now(),
                source: "hit",
              });
              const v = checkStaleReads(writes, reads);
              assert.equal(committed.version, 2);
              assert.equal(v.stale, 1);
              assert.equal(v.bySource.hit.stale, 1);
              assert.equal(v.bySource.miss.stale, 0);
              assert.ok(v.agesMs[0] > 0);
              // Write-through repairs it: the committed value replaces the stale one.
              await cache.set(key, committed.value);
              t0 = performance.now();
              const fresh = await cache.get(key);
              const after = checkStaleReads(writes, [{
                key: id,
                version: versionOf(fresh!),
                invokeMs: t0,
                completeMs: performance.now(),
                source: "hit",
              }]);
              assert.equal(after.fresh, true);
            },
          );

          await t.step(
            `${name}: concurrent reads and writes: no database read is stale, no read from the future`,
            async () => {
              const writerCache = await backend.client();
              const writerDb = await db.session();
              const m = await runConsistency(
                backend,
                db,
                {
                  readerCaches: workers.caches,
                  readerDbs: workers.dbs,
                  writerCaches: [writerCache],
                  writerDbs: [writerDb],
                },
                catalog,
                {
                  strategy: "ttl_only",
                  ttlS: 1,
                  readers: 2,
                  writers: 1,
                  writeRatePerS: 100,
                  durationMs: 400,
                  zipf: createZipf(catalog.products.length, 1.2),
                  seed: 3,
                  label: "test",
                },
              ).finally(() => Promise.all([writerCache.close(), writerDb.close()]));
              assert.ok(
                m.verdict.reads > 50 && m.verdict.writes > 10,
                `${m.verdict.reads} reads, ${m.verdict.writes} writes`,
              );
              assert.equal(m.verdict.futureReads, 0, m.verdict.examples.join("; "));
              assert.equal(m.verdict.bySource.miss?.stale ?? 0, 0, m.verdict.examples.join("; "));
            },
          );
        } finally {
          await Promise.all([
            ...workers.caches.map((c) => c.close()),
            ...workers.dbs.map((d) => d.close()),
          ]);
        }
      });
    }
  },
});

Deno.test({
  name: "cache sessions: a restart loses every session without persistence and none with AOF",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const sessions = sessionValues(catalog, 200);
    assert.ok(sessions.every(([, v]) => v.length > 100 && v.length < 1000));
    const expected: Record<string, number> = { none: 1, aof_everysec: 0 };
    for (const binding of [redisBinding, memcachedBinding]) {
      for (const { id, settings } of binding.persistence) {
        const name = `${binding.name} ${id}`;
        const lost = expected[id];
        await using engine = await startEngine({ engine: binding.engine, settings });
        const backend = await binding.backend(engine);
        for (const kind of ["clean", "crash"] as const) {
          const r = await runRestartLoss(
            engine,
            backend,
            await backend.client(),
            () => backend.client(),
            sessions,
            600,
            kind,
            50,
            1,
          );
          assert.equal(r.before, 200, `${name} ${kind}`);
          assert.equal(r.after, 200 * (1 - lost), `${name} ${JSON.stringify(settings)} ${kind}`);
          assert.equal(r.sampleFound, lost ? 0 : 50);
        }
        await backend.close();
      }
    }
  },
});

Deno.test({
  name:
    "cache: the whole experiment at a tiny size plans from the bindings and fills all three tables",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { runCache } = await import("./mod.ts");
    // Hazelcast's parts have their own test (./hazelcast_test.ts).
    const config = cacheConfig(experimentParams({ scale: "quick", repetitions: 1 }), {
      engines: ["redis", "memcached"],
      skews: [0.99],
      budgetsPct: [10],
      measuredOps: 200,
      warmupOps: 200,
      consistency: {
        ...cacheConfig(quick).consistency,
        strategies: ["delete_on_write"],
        durationS: 0.3,
      },
      sessions: {
        ...cacheConfig(quick).sessions,
        durationS: 0.2,
        restartCount: 50,
        restartSample: 10,
      },
    });
    let planned = 0;
    const steps: string[] = [];
    const skipped: string[] = [];
    const tables = await runCache(config, {
      plan: (n) => (planned = n),
      step: (l) => steps.push(l),
      skip: (_n, r) => skipped.push(r),
      log() {},
      detail() {},
    });
    // Redis: 2 policies × 1 budget × 1 skew; Memcached: 1; consistency 1 each; sessions:
    // Redis 2 persistence configurations, Memcached 1.
    assert.equal(planned, 2 + 1 + 2 + 2 + 1);
    assert.equal(steps.length, planned);
    assert.deepEqual(skipped, []);
    const hit = tables.cache_hit_ratio.filter((r) => r.metric === "hit_ratio");
    assert.deepEqual(
      [...new Set(hit.map((r) => `${r.engine}/${r.policy}`))].sort(),
      ["memcached/lru", "redis/allkeys-lfu", "redis/allkeys-lru"],
    );
    assert.equal(
      tables.cache_consistency.filter((r) => r.metric === "stale_rate" && r.source === "all")
        .length,
      2,
    );
    assert.ok(tables.cache_sessions.some((r) => r.metric === "lost_fraction"));
  },
});

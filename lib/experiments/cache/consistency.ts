/**
 * Consistency of cached product pages under concurrent price/stock updates. Readers do
 * cache-aside reads (GET; on a miss read the database and SET); writers update a product's
 * price and stock in PostgreSQL (committing version + 1) and then apply the invalidation
 * strategy to the cache:
 *
 * - `delete_on_write`: DEL the key after the commit (readers repopulate it);
 * - `write_through`: SET the committed value after the commit;
 * - `ttl_only`: nothing — readers store values with a TTL and the cache catches up when they
 *   expire.
 *
 * Every read records the version it returned and where it came from, every write the version
 * it committed and when it was acknowledged (./write_log.ts: a write whose acknowledgement is
 * lost stays in the history as indeterminate, with the version it attempted);
 * lib/checks/stale_reads.ts then finds reads that returned a version older than one already
 * committed when they began, and how old.
 * Nothing repairs a stale entry in the first two strategies except the next write to that key —
 * that is the behaviour being measured (no safety-net TTL).
 */

import type { ProgressTick } from "../../load/progress.ts";
import {
  type CachedRead,
  checkStaleReads,
  type StaleReadVerdict,
  type VersionWrite,
} from "../../checks/stale_reads.ts";
import { type LoadResult, runClosedLoop, runOpenLoop } from "../../load/run.ts";
import type { Catalog } from "../../workload/generate.ts";
import type { Rng } from "../../workload/rng.ts";
import type { Zipf } from "../../workload/zipf.ts";
import type { CacheBackend, CacheClient } from "./binding.ts";
import type { CatalogDb, CatalogSession } from "./catalog_db.ts";
import { productKey, versionOf } from "./page.ts";
import { recordWrite } from "./write_log.ts";

/** The invalidation strategies compared. */
export const STRATEGIES = ["delete_on_write", "write_through", "ttl_only"] as const;

/** An invalidation strategy. */
export type Strategy = typeof STRATEGIES[number];

/** Settings of one consistency run. */
export interface ConsistencyRun {
  strategy: Strategy;
  /** TTL of values readers store under `ttl_only` (s; Memcached's clock ticks in whole s). */
  ttlS: number;
  /** Reader workers (closed loop). */
  readers: number;
  /** Updates per second (open loop, so writes keep their pace whatever the readers do). */
  writeRatePerS: number;
  /** Concurrent writers at most (each with its own database connection). */
  writers: number;
  durationMs: number;
  /** Popularity of both reads and writes: hot products are read and repriced most. */
  zipf: Zipf;
  seed: number;
  /** Live counters for the progress display. */
  progress?: ProgressTick;
  label: string;
}

/** Connections of the readers and writers, opened once per engine. */
export interface ConsistencyWorkers {
  readerCaches: CacheClient[];
  readerDbs: CatalogSession[];
  writerCaches: CacheClient[];
  writerDbs: CatalogSession[];
}

/** What one run measured. */
export interface ConsistencyMeasurement {
  reads: LoadResult;
  writes: LoadResult;
  verdict: StaleReadVerdict;
  hits: number;
  misses: number;
}

/** Run one strategy (see the module comment). */
export async function runConsistency(
  backend: CacheBackend,
  db: CatalogDb,
  workers: ConsistencyWorkers,
  catalog: Catalog,
  run: ConsistencyRun,
): Promise<ConsistencyMeasurement> {
  await db.resetVersions();
  await backend.flush();
  const reads: CachedRead[] = [];
  const writes: VersionWrite[] = [];
  let hits = 0;
  let misses = 0;
  const { zipf, strategy } = run;
  const readTtl = strategy === "ttl_only" ? run.ttlS : 0;
  const pick = (rng: Rng) => catalog.productIdByRank[zipf.sample(rng) - 1];

  const readerLoop = runClosedLoop({
    concurrency: run.readers,
    durationMs: run.durationMs,
    seed: run.seed,
    progress: run.progress,
    label: `${run.label} readers`,
    op: async (w, rng, ctx) => {
      const id = pick(rng);
      const key = productKey(id);
      ctx.name = "read";
      const invokeMs = performance.now();
      const cached = await workers.readerCaches[w].get(key);
      if (cached !== null) {
        hits++;
        reads.push({
          key: id,
          version: versionOf(cached),
          invokeMs,
          completeMs: performance.now(),
          source: "hit",
        });
        return "read";
      }
      misses++;
      const row = await workers.readerDbs[w].read(id);
      reads.push({
        key: id,
        version: row.version,
        invokeMs,
        completeMs: performance.now(),
        source: "miss",
      });
      await workers.readerCaches[w].set(key, row.value, readTtl);
      return "read";
    },
  });
  const writerLoop = runOpenLoop({
    ratePerSec: run.writeRatePerS,
    maxInFlight: run.writers,
    durationMs: run.durationMs,
    seed: run.seed + 1,
    op: async (slot, rng, ctx) => {
      const id = pick(rng);
      ctx.name = "write";
      const record = recordWrite(writes, id, performance.now());
      let committed;
      try {
        committed = await workers.writerDbs[slot].update(
          id,
          rng.int(99, 99_999),
          rng.int(0, 500),
          (version) => record.committing(version),
        );
      } catch (err) {
        record.failed(performance.now());
        throw err;
      }
      record.acknowledged(performance.now());
      const key = productKey(id);
      if (strategy === "delete_on_write") await workers.writerCaches[slot].del(key);
      else if (strategy === "write_through") {
        await workers.writerCaches[slot].set(key, committed.value);
      }
      return "write";
    },
  });
  const [readResult, writeResult] = await Promise.all([readerLoop, writerLoop]);
  const verdict = checkStaleReads(writes, reads);
  return { reads: readResult, writes: writeResult, verdict, hits, misses };
}

/**
 * One cell of the hit-ratio sweep: cache-aside product reads with Zipf-skewed popularity
 * against a cache of a given size and eviction policy. The cache is flushed, warmed with the
 * same access stream (batched, unmeasured: it only has to reach the steady state an LRU/LFU
 * cache converges to), its counters reset, and then a measured closed loop of single reads
 * runs — each a GET, and on a miss a database read and a SET. The client counts hits and misses
 * itself; afterwards the engine's counters must agree (lib/checks/hit_ratio.ts).
 */

import type { ProgressTick } from "../../load/progress.ts";
import { checkHitAccounting, type HitAccountingVerdict } from "../../checks/hit_ratio.ts";
import { type LoadResult, runClosedLoop } from "../../load/run.ts";
import type { Catalog } from "../../workload/generate.ts";
import { forkRng } from "../../workload/rng.ts";
import type { Zipf } from "../../workload/zipf.ts";
import type { CacheBackend, CacheClient, CacheCounters } from "./binding.ts";
import type { CatalogSession } from "./catalog_db.ts";
import { productKey } from "./page.ts";

/** Settings of one cell. */
export interface HitRatioCell {
  /** Popularity over product ranks at this cell's skew. */
  zipf: Zipf;
  /** Unmeasured warm-up lookups (batched). */
  warmupOps: number;
  /** Lookups per warm-up batch. */
  warmupBatch: number;
  /** Measured lookups. */
  measuredOps: number;
  /** Concurrent workers of the measured loop (each with a cache and a database connection). */
  concurrency: number;
  seed: number;
  /** Live counters for the progress display. */
  progress?: ProgressTick;
  label: string;
}

/** What one cell measured. */
export interface HitRatioMeasurement {
  load: LoadResult;
  client: { hits: number; misses: number };
  /**
   * Cache writes the engine refused (Redis answers OOM when even evicting everything cannot
   * get under maxmemory, e.g. with a budget of a few objects and reply buffers in use). A
   * cache-aside client serves the page from the database anyway, as production code does.
   */
  setFailures: number;
  /**
   * Hit ratio an unbounded cache would have had on the same lookups: only a product's first
   * lookup (in warm-up or window) misses. A finite run always has these compulsory misses of
   * rarely read products; where a cache reaches this bound, memory no longer limits it.
   */
  boundRatio: number;
  engine: CacheCounters;
  /**
   * Miss-path SETs of a key another worker had stored after this worker's GET was sent: the
   * key was in the cache again when the SET ran (if nothing evicted it meanwhile).
   */
  overwrites: number;
  accounting: HitAccountingVerdict | undefined;
}

/** Workers' connections, opened once per engine and reused by every cell. */
export interface Workers {
  caches: CacheClient[];
  dbs: CatalogSession[];
}

/**
 * Fill the cache with `ops` lookups of the access stream, in batches: MGET, read the misses
 * from the database in one query, store them. Same keys, same order of batches as a serial
 * warm-up, a fraction of the round trips.
 */
export async function warmUp(
  cache: CacheClient,
  db: CatalogSession,
  catalog: Catalog,
  zipf: Zipf,
  ops: number,
  batch: number,
  seed: number,
  seen: Set<number> = new Set(),
): Promise<number> {
  const rng = forkRng(seed, "warmup");
  let failures = 0;
  for (let done = 0; done < ops; done += batch) {
    const n = Math.min(batch, ops - done);
    const ids = Array.from({ length: n }, () => catalog.productIdByRank[zipf.sample(rng) - 1]);
    for (const id of ids) seen.add(id);
    const keys = ids.map(productKey);
    const values = await cache.getMany(keys);
    const missing = [...new Set(ids.filter((_, i) => values[i] === null))];
    if (missing.length === 0) continue;
    const rows = await db.readMany(missing);
    try {
      await cache.setMany(missing.map((id) => [productKey(id), rows.get(id)!] as const));
    } catch {
      failures++; // refused for memory: the next lookups miss, as they would in production
    }
  }
  return failures;
}

/** Run one cell (see the module comment). */
export async function runHitRatioCell(
  backend: CacheBackend,
  workers: Workers,
  catalog: Catalog,
  cell: HitRatioCell,
): Promise<HitRatioMeasurement> {
  await backend.flush();
  const seen = new Set<number>();
  await warmUp(
    workers.caches[0],
    workers.dbs[0],
    catalog,
    cell.zipf,
    cell.warmupOps,
    cell.warmupBatch,
    cell.seed,
    seen,
  );
  await backend.resetCounters();
  const client = { hits: 0, misses: 0 };
  let setFailures = 0;
  let wouldHit = 0;
  let overwrites = 0;
  // Invocation order of GETs and SETs, and the last SET invoked per key.
  let seq = 0;
  const lastSet = new Map<string, number>();
  const { zipf } = cell;
  const load = await runClosedLoop({
    concurrency: cell.concurrency,
    operations: cell.measuredOps,
    seed: cell.seed,
    progress: cell.progress,
    label: cell.label,
    op: async (w, rng, ctx) => {
      const id = catalog.productIdByRank[zipf.sample(rng) - 1];
      const key = productKey(id);
      if (seen.has(id)) wouldHit++;
      else seen.add(id);
      ctx.name = "lookup";
      const getSeq = ++seq;
      const cached = await workers.caches[w].get(key);
      // Counted as soon as the GET answered, whatever happens after: that is what the engine
      // counted too.
      if (cached !== null) {
        client.hits++;
        ctx.name = "hit";
        return;
      }
      client.misses++;
      ctx.name = "miss";
      const { value } = await workers.dbs[w].read(id);
      if ((lastSet.get(key) ?? 0) > getSeq) overwrites++;
      lastSet.set(key, ++seq);
      try {
        await workers.caches[w].set(key, value);
      } catch {
        setFailures++;
      }
    },
  });
  const engine = await backend.counters();
  // An engine that counts overwrites as hits counted `overwrites` hits that were no lookup's.
  const engineCounts = backend.overwriteCountsAsHit
    ? { hits: engine.hits - overwrites, misses: engine.misses + overwrites }
    : engine;
  const accounting = backend.hasCounters ? checkHitAccounting(client, engineCounts) : undefined;
  const lookups = client.hits + client.misses;
  const boundRatio = lookups ? wouldHit / lookups : 0;
  return { load, client, setFailures, boundRatio, engine, overwrites, accounting };
}

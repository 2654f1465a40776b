/**
 * The session store: small JSON objects (a few hundred bytes: customer, cart, CSRF token,
 * recently viewed products) stored with a TTL and read far more often than written. Two
 * measurements: the read-mostly load itself (throughput, latency, memory per session), and
 * what a restart of the cache loses — sessions are written, the engine is restarted through
 * the engine API (a clean stop, or a SIGKILL crash then start), and the survivors are counted
 * by the engine and by a client sample.
 */

import type { ProgressTick } from "../../load/progress.ts";
import { type LoadResult, runClosedLoop } from "../../load/run.ts";
import { processCpu } from "../oltp/peers.ts";
import type { Engine } from "../../engines/types.ts";
import type { Catalog } from "../../workload/generate.ts";
import { generateSessions } from "../../workload/generate.ts";
import { forkRng } from "../../workload/rng.ts";
import type { CacheBackend, CacheClient } from "./binding.ts";

/** The cache key of a session. */
export function sessionKey(id: number): string {
  return `session:${id}`;
}

/** The stored value of the first `count` sessions of the catalog (seeded). */
export function sessionValues(catalog: Catalog, count: number): [string, string][] {
  const out: [string, string][] = [];
  const rng = forkRng(catalog.seed, "session-values");
  for (const s of generateSessions(catalog)) {
    if (out.length >= count) break;
    const token = Array.from({ length: 4 }, () => rng.nextU32().toString(16).padStart(8, "0")).join(
      "",
    );
    out.push([
      sessionKey(s.id),
      JSON.stringify({
        id: s.id,
        customer_id: s.customer_id,
        csrf: token,
        started_at: s.started_at,
        last_seen: s.started_at + s.duration_s * 1000,
        device: s.device,
        country: s.country,
        locale: "en",
        cart: { id: s.customer_id, items: rng.int(0, 6) },
        recently_viewed: Array.from(
          { length: rng.int(0, 12) },
          () => rng.int(1, catalog.products.length),
        ),
        flags: { consent: rng.chance(0.7), beta: rng.chance(0.1) },
      }),
    ]);
  }
  if (out.length < count) {
    throw new Error(`sessions: the catalog has ${out.length} sessions, ${count} were asked for`);
  }
  return out;
}

/** Store sessions in batches (pipelines for Redis, concurrent sets for Memcached). */
export async function storeSessions(
  cache: CacheClient,
  sessions: readonly (readonly [string, string])[],
  ttlS: number,
  batch = 500,
): Promise<void> {
  for (let i = 0; i < sessions.length; i += batch) {
    await cache.setMany(sessions.slice(i, i + batch), ttlS);
  }
}

/** Settings of the session load. */
export interface SessionLoad {
  sessions: readonly (readonly [string, string])[];
  ttlS: number;
  /** Share of reads in the mix; the rest rewrite the session (last_seen) with a fresh TTL. */
  readShare: number;
  concurrency: number;
  durationMs: number;
  seed: number;
  /** Live counters for the progress display. */
  progress?: ProgressTick;
  label: string;
}

/** What the session load measured. */
export interface SessionMeasurement {
  load: LoadResult;
  /** Engine memory per stored session (bytes): growth from empty to loaded, per session. */
  bytesPerSession: number;
  /** Reads that found no session (should be 0: TTLs outlive the run). */
  missingReads: number;
  /**
   * The harness process's own CPU per operation over the load (µs): engines compared through
   * different clients are compared fairly only when their clients cost alike (issue 19).
   */
  clientCpuUsPerOp: number;
}

/** Load the sessions into an empty cache and run the read-mostly mix. */
export async function runSessionLoad(
  backend: CacheBackend,
  caches: CacheClient[],
  s: SessionLoad,
): Promise<SessionMeasurement> {
  await backend.flush();
  const empty = await backend.counters();
  await storeSessions(caches[0], s.sessions, s.ttlS);
  const loaded = await backend.counters();
  let missingReads = 0;
  const n = s.sessions.length;
  const cpuBefore = processCpu().self;
  const load = await runClosedLoop({
    concurrency: s.concurrency,
    durationMs: s.durationMs,
    seed: s.seed,
    progress: s.progress,
    label: s.label,
    op: async (w, rng, ctx) => {
      const [key, value] = s.sessions[rng.int(0, n - 1)];
      if (rng.next() < s.readShare) {
        ctx.name = "read";
        if ((await caches[w].get(key)) === null) missingReads++;
        return;
      }
      ctx.name = "write";
      await caches[w].set(key, value, s.ttlS);
    },
  });
  const clientCpuUsPerOp = load.ops > 0 ? (processCpu().self - cpuBefore) / load.ops * 1e6 : NaN;
  const bytesPerSession = backend.hasCounters
    ? Math.max(0, loaded.memoryBytes - empty.memoryBytes) / n
    : NaN;
  return { load, bytesPerSession, missingReads, clientCpuUsPerOp };
}

/** How the cache is restarted. */
export type RestartKind = "clean" | "crash";

/** What a restart kept. */
export interface RestartMeasurement {
  /** Sessions stored before the restart (engine's count). */
  before: number;
  /** Sessions the engine holds after it (engine's count). */
  after: number;
  /** Of a client sample of written sessions, how many could be read back. */
  sampled: number;
  sampleFound: number;
  /** Seconds from the restart verb to the engine answering again. */
  restartS: number;
}

/**
 * Write `sessions` into an empty cache, restart the engine (clean: the server's own shutdown;
 * crash: SIGKILL, then start on the same data dir), and count what is left. `reconnect` opens
 * a fresh client after the restart.
 */
export async function runRestartLoss(
  engine: Engine,
  backend: CacheBackend,
  cache: CacheClient,
  reconnect: () => Promise<CacheClient>,
  sessions: readonly (readonly [string, string])[],
  ttlS: number,
  kind: RestartKind,
  sample: number,
  seed: number,
): Promise<RestartMeasurement> {
  await backend.flush();
  await storeSessions(cache, sessions, ttlS);
  const before = (await backend.counters()).items;
  await cache.close();
  await backend.close();
  const t0 = performance.now();
  if (kind === "crash") await engine.kill();
  await engine.restart();
  const restartS = (performance.now() - t0) / 1000;
  const after = (await backend.counters()).items;
  const fresh = await reconnect();
  const rng = forkRng(seed, "restart-sample");
  const keys = Array.from(
    { length: Math.min(sample, sessions.length) },
    () => sessions[rng.int(0, sessions.length - 1)][0],
  );
  const found = (await fresh.getMany(keys)).filter((v) => v !== null).length;
  await fresh.close();
  return { before, after, sampled: keys.length, sampleFound: found, restartS };
}

/**
 * A clustered cache under membership changes: a read-mostly session load (90 % GET, 10 % SET
 * of random stored keys) runs while a member joins, and the latency inside that window is
 * compared with the same load just before it; then a member is SIGKILLed and every key the
 * client wrote (and the engine acknowledged) is read back, so entries lost are counted
 * against what was written, not against the engine's own count.
 *
 * @module
 */

import {
  createHistogram,
  type LatencySummary,
  recordMicros,
  summarizeHistogram,
} from "../../load/histogram.ts";
import { forkRng } from "../../workload/rng.ts";
import type { CacheClient } from "./binding.ts";
import { storeSessions } from "./sessions.ts";

/** What a load window measured. */
export interface WindowMeasurement {
  ops: number;
  errors: number;
  /** First error message seen (empty without errors). */
  firstError: string;
  seconds: number;
  throughput: number;
  latency: LatencySummary;
}

/**
 * Run the session mix on `caches` (one worker each) until `until` settles (or, when it is a
 * number, for that many milliseconds). Errors are counted, not thrown: a failed operation
 * during a membership change is part of the measurement.
 */
export async function loadWindow(
  caches: readonly CacheClient[],
  entries: readonly (readonly [string, string])[],
  readShare: number,
  seed: number,
  until: Promise<unknown> | number,
): Promise<WindowMeasurement> {
  const h = createHistogram();
  let done = false;
  let ops = 0;
  let errors = 0;
  let firstError = "";
  const stop = typeof until === "number"
    ? new Promise((r) => setTimeout(r, until))
    : until.then(() => {}, () => {});
  stop.then(() => (done = true));
  const t0 = performance.now();
  await Promise.all(caches.map(async (cache, w) => {
    const rng = forkRng(seed, `window:${w}`);
    while (!done) {
      const [key, value] = entries[rng.int(0, entries.length - 1)];
      const start = performance.now();
      try {
        if (rng.next() < readShare) await cache.get(key);
        else await cache.set(key, value);
        recordMicros(h, (performance.now() - start) * 1000);
        ops++;
      } catch (err) {
        errors++;
        firstError ||= (err as Error).message ?? String(err);
      }
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  return {
    ops,
    errors,
    firstError,
    seconds,
    throughput: seconds > 0 ? ops / seconds : 0,
    latency: summarizeHistogram(h),
  };
}

/** Write every entry (batched) and return how many the engine acknowledged. */
export async function writeEntries(
  cache: CacheClient,
  entries: readonly (readonly [string, string])[],
): Promise<number> {
  await storeSessions(cache, entries, 0);
  return entries.length;
}

/** How many of `entries`' keys can be read back (batched multi-gets). */
export async function countFound(
  cache: CacheClient,
  entries: readonly (readonly [string, string])[],
  batch = 500,
): Promise<number> {
  let found = 0;
  for (let i = 0; i < entries.length; i += batch) {
    const keys = entries.slice(i, i + batch).map(([k]) => k);
    found += (await cache.getMany(keys)).filter((v) => v !== null).length;
  }
  return found;
}

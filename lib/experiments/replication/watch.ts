/**
 * The client's view of replication lag and the engine's, recorded side by side while a load
 * runs. A {@link VisibilityWatcher} polls one replica back to back (one query in flight)
 * for the write numbers it shows; a write first seen in poll i became visible between the
 * server-side moments of polls i-1 and i, so its visibility time is estimated as the middle
 * of that window and the window's width is the measurement's resolution. An
 * {@link EngineSampler} reads the engine's own lag view at a fixed interval.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import type { EngineLagSample, ReplicationStore, ReplReader } from "./binding.ts";

/** One poll's server-side moment: mid-flight, or half a typical round trip before a slow reply. */
function serverMoment(t0: number, t1: number, typicalRtt: number): number {
  // A poll that took much longer than usual (the replica was stopped) was answered at its
  // end, not in the middle.
  return Math.max((t0 + t1) / 2, t1 - typicalRtt / 2);
}

/** Polls one replica for visible write numbers until stopped. */
export class VisibilityWatcher {
  /** Estimated visibility time (performance.now() ms) per write number. */
  readonly visibleAt = new Map<number, number>();
  /** Width of the window each estimate comes from (ms): the resolution. */
  readonly resolution: number[] = [];
  /** Polls made. */
  polls = 0;
  #stop = false;
  #done: Promise<void> | undefined;
  #watermark: number;
  #pending = new Set<number>();

  /**
   * @param reader a reader on the replica
   * @param fromSeq write numbers above this belong to the run
   */
  constructor(readonly node: string, readonly reader: ReplReader, fromSeq: number) {
    this.#watermark = fromSeq;
  }

  /** Starts polling. */
  start(): this {
    this.#done = this.#loop();
    return this;
  }

  async #loop(): Promise<void> {
    let prev: number | undefined;
    let rtt = 0.2;
    while (!this.#stop) {
      const t0 = performance.now();
      const seqs = await this.reader.visibleAbove(this.#watermark);
      const t1 = performance.now();
      this.polls++;
      const took = t1 - t0;
      if (took < 5) rtt = 0.9 * rtt + 0.1 * took; // typical round trip, ignoring stalls
      const moment = serverMoment(t0, t1, rtt);
      for (const s of seqs) {
        if (this.visibleAt.has(s)) continue;
        const lo = prev ?? moment;
        this.visibleAt.set(s, (lo + moment) / 2);
        this.resolution.push(moment - lo);
        this.#pending.add(s);
      }
      // Advance the watermark over the contiguous prefix, so each poll returns little.
      while (this.#pending.has(this.#watermark + 1)) {
        this.#pending.delete(++this.#watermark);
      }
      prev = moment;
      // Let timers and other I/O run between polls (no sleep: a timer costs ~2 ms here).
      await new Promise((r) => setImmediate(r));
    }
  }

  /** True once every write number in `seqs` has been seen. */
  hasAll(seqs: Iterable<number>): boolean {
    for (const s of seqs) if (!this.visibleAt.has(s)) return false;
    return true;
  }

  /** Stops polling and waits for the poll in flight. */
  async stop(): Promise<void> {
    this.#stop = true;
    await this.#done;
  }
}

/** Reads the engine's lag view every `intervalMs` until stopped. */
export class EngineSampler {
  /** All readings so far. */
  readonly samples: EngineLagSample[] = [];
  /** Readings that failed (e.g. while a replica is stopped), counted not thrown. */
  failures = 0;
  #stop = false;
  #done: Promise<void> | undefined;

  constructor(private store: ReplicationStore, private intervalMs: number) {}

  /** Starts sampling. */
  start(): this {
    this.#done = (async () => {
      while (!this.#stop) {
        const t = performance.now();
        try {
          this.samples.push(...await this.store.engineLag());
        } catch {
          this.failures++;
        }
        const wait = this.intervalMs - (performance.now() - t);
        if (wait > 0 && !this.#stop) await new Promise((r) => setTimeout(r, wait));
      }
    })();
    return this;
  }

  /** Stops and waits for the reading in flight. */
  async stop(): Promise<void> {
    this.#stop = true;
    await this.#done;
  }
}

/** Waits until `check()` or the deadline, polling every 10 ms; returns whether it held. */
export async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** Waits until `performance.now() >= target` (timer for the bulk, event-loop turns after). */
export async function until(target: number): Promise<void> {
  for (;;) {
    const rem = target - performance.now();
    if (rem <= 0) return;
    if (rem > 4) await new Promise((r) => setTimeout(r, rem - 3));
    else await new Promise((r) => setImmediate(r));
  }
}

/** The q-quantile (0..1) of sorted numbers (nearest rank); NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** Arithmetic mean; NaN when empty. */
export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

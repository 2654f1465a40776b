/**
 * What every phase of a replication mode starts from: a started cluster with its store and a
 * write-number counter, writers on the primary whose acknowledgements are recorded, and — for
 * the phases that follow lag (./lag.ts, ./pause.ts) — one watcher per replica and the engine
 * sampler, set up and torn down in one place. {@link settle} waits between phases until the
 * replicas have applied everything written so far.
 *
 * Every wait is bounded: writers carry statement/client timeouts, catch-up waits give up
 * after a limit and the phases report what was never seen.
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import type { ProgressTick } from "../../load/progress.ts";
import { type LoadResult, type OpenLoopConfig, type OpFn, runOpenLoop } from "../../load/run.ts";
import type { ReplicationMode, ReplicationStore, ReplReader, ReplWriter } from "./binding.ts";
import { EngineSampler, VisibilityWatcher, waitFor } from "./watch.ts";

/** A started cluster with its store and a write-number counter shared by all phases. */
export interface Cluster {
  engine: Engine;
  store: ReplicationStore;
  /** Last write number handed out; phases continue from it so numbers never repeat. */
  seq: number;
  /** Last key namespace handed out (each phase writes fresh keys). */
  keySpace: number;
}

/** Settings every phase shares. */
export interface PhaseSettings {
  /** Concurrent writer connections (open-loop in-flight bound). */
  slots: number;
  /** Server statement / client timeout of a write (ms): bounds a stalled commit. */
  timeoutMs: number;
  /** Interval of the engine-view sampler (ms). */
  sampleMs: number;
  /** After the load, wait at most this long for replicas to show every write (ms). */
  catchUpMs: number;
  seed: number;
  /** The load runs' live counters (see `loadTicks`). */
  ticks?: ProgressTick;
}

/** What a write looked like from the client. */
export interface Ack {
  /** Intended start of the write (open loop), `performance.now()` ms. */
  intended: number;
  invoke: number;
  ack: number;
  outcome: "ok" | "unreplicated";
  measured: boolean;
}

/** Closes every connection of a list, together. */
export async function closeAll(xs: readonly { close(): Promise<void> }[]): Promise<void> {
  await Promise.all(xs.map((x) => x.close()));
}

/** `count` writers on the primary at the mode's level. */
export async function openWriters(
  c: Cluster,
  mode: ReplicationMode,
  s: PhaseSettings,
  count = s.slots,
): Promise<ReplWriter[]> {
  return await Promise.all(
    Array.from({ length: count }, () => c.store.writer(mode.level, s.timeoutMs)),
  );
}

/** Keys a phase's writes spread over. */
export const WRITE_KEYS = 1000;

/** A fresh key namespace: the first key of a phase's own range. */
export function keyBase(c: Cluster): number {
  return ++c.keySpace * 1_000_000;
}

/**
 * A write op for the load runners: the next write number to one of `keys` fresh keys, on the
 * slot's writer, its acknowledgement recorded in `acks`.
 */
export function writeOp(
  c: Cluster,
  writers: readonly ReplWriter[],
  acks: Map<number, Ack>,
  keys: number,
): OpFn {
  const base = keyBase(c);
  return async (slot, rng, ctx) => {
    ctx.name = "write";
    const seq = ++c.seq;
    const invoke = performance.now();
    const outcome = await writers[slot].write(seq, base + rng.int(0, keys - 1));
    acks.set(seq, {
      intended: ctx.intendedStartMs,
      invoke,
      ack: performance.now(),
      outcome,
      measured: ctx.measured,
    });
  };
}

/**
 * An open-loop run of a phase: at most `slots` operations in flight (one per writer), a
 * drain bounded by the write timeout, the phase's seed and live counters.
 */
export async function phaseOpenLoop(
  s: PhaseSettings,
  run: Pick<OpenLoopConfig, "ratePerSec" | "durationMs" | "warmupMs" | "label" | "op">,
): Promise<LoadResult> {
  return await runOpenLoop({
    ...run,
    maxInFlight: s.slots,
    drainTimeoutMs: s.timeoutMs + 5000,
    seed: s.seed,
    progress: s.ticks,
  });
}

/** Writes whose visibility on every replica is watched, with the engine's view sampled. */
export interface WatchedWrites {
  /** Recorded writes (see {@link writeOp}) at `ratePerSec` for `durationMs` after warm-up. */
  run(
    ratePerSec: number,
    durationMs: number,
    warmupMs: number,
    label: string,
  ): Promise<LoadResult>;
  /** Every write so far by number. */
  acks: Map<number, Ack>;
  /** One per replica, in the engine's replica order. */
  watchers: VisibilityWatcher[];
  sampler: EngineSampler;
  /**
   * After the load: wait (at most `catchUpMs`) until every replica shows every write, then
   * stop watching and sampling, so the results are final.
   */
  catchUp(): Promise<void>;
}

/**
 * Open the slots' writers, a watcher per replica (from the current write number) and the
 * engine sampler; hand them to `body`; stop and close everything whatever happens. A body
 * that stops nodes must resume them before it returns: a watcher's poll in flight on a
 * stopped replica would hold up the tear-down.
 */
export async function withWatchedWrites<T>(
  c: Cluster,
  mode: ReplicationMode,
  s: PhaseSettings,
  body: (w: WatchedWrites) => Promise<T>,
): Promise<T> {
  const writers = await openWriters(c, mode, s);
  const readers: ReplReader[] = [];
  let watchers: VisibilityWatcher[] = [];
  let sampler: EngineSampler | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(watchers.map((w) => w.stop()));
    await sampler?.stop();
    await closeAll(readers);
  };
  try {
    for (const r of c.engine.replicas) readers.push(await c.store.reader(r));
    watchers = readers.map((rd, i) =>
      new VisibilityWatcher(c.engine.replicas[i].name, rd, c.seq).start()
    );
    sampler = new EngineSampler(c.store, s.sampleMs).start();
    const acks = new Map<number, Ack>();
    const op = writeOp(c, writers, acks, WRITE_KEYS);
    return await body({
      run: (ratePerSec, durationMs, warmupMs, label) =>
        phaseOpenLoop(s, { ratePerSec, durationMs, warmupMs, label, op }),
      acks,
      watchers,
      sampler,
      async catchUp() {
        const seqs = [...acks.keys()];
        await waitFor(() => watchers.every((w) => w.hasAll(seqs)), s.catchUpMs);
        await stop();
      },
    });
  } finally {
    await stop();
    await closeAll(writers);
  }
}

/**
 * Waits until every replica has applied everything written so far: writes one sentinel and
 * polls each replica until it shows it (replicas apply in commit order). Returns the wait in
 * ms — after a burst, the time the replicas needed to work off their backlog — so that no
 * phase starts against a replica still behind from the previous one. Bounded by `timeoutMs`.
 */
export async function settle(
  c: Cluster,
  mode: ReplicationMode,
  timeoutMs: number,
): Promise<number> {
  const t0 = performance.now();
  const writer = await c.store.writer(mode.level, timeoutMs);
  const readers = await Promise.all(c.engine.replicas.map((r) => c.store.reader(r)));
  try {
    const seq = ++c.seq;
    await writer.write(seq, 0);
    const deadline = t0 + timeoutMs;
    for (const r of readers) {
      while (!(await r.visibleAbove(seq - 1)).includes(seq)) {
        if (performance.now() > deadline) {
          throw new Error(`replication: replicas did not catch up within ${timeoutMs} ms`);
        }
        await new Promise((res) => setTimeout(res, 5));
      }
    }
    return performance.now() - t0;
  } finally {
    await writer.close();
    await closeAll(readers);
  }
}

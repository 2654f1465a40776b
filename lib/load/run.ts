/**
 * Load runners: a closed loop (N workers, each starting its next operation when the previous
 * one completes) and an open loop (operations started on a fixed schedule t0 + i/rate,
 * latency measured from that intended start, as wrk2 and YCSB's `-target` do, so a stalled
 * server shows up in the tail instead of silently slowing the client: no coordinated
 * omission). Warm-up operations are executed but not recorded; runs end after a duration or
 * an operation count.
 *
 * The operation is a caller function `op(workerId, rng, ctx)`. It names its type by returning
 * a string or by setting `ctx.name` (needed if it may throw: errors are counted under
 * `ctx.name`), otherwise `opName` (default "op") is used. `workerId` is stable per concurrent
 * slot, and a slot runs one operation at a time, so it can index a connection array.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import { forkRng, type Rng } from "../workload/rng.ts";
import { classifyError, type ErrorClass, type ErrorClassifier } from "./errors.ts";
import {
  createHistogram,
  type Histogram,
  type LatencySummary,
  recordMicros,
  summarizeHistogram,
} from "./histogram.ts";
import { type ProgressTick, startTicks } from "./progress.ts";
import { Recorder, type RecorderSummary } from "./recorder.ts";
import type { RetrySink } from "./retry.ts";
import { requireNonNegative, requirePositive, requirePositiveInt, show } from "./validate.ts";

/** Per-slot context handed to each operation; reused between operations of the same slot. */
export interface OpContext extends RetrySink {
  /** Worker (closed loop) or in-flight slot (open loop) id, 0-based. */
  readonly workerId: number;
  /** Operation type; set it before anything can throw, or return the name from `op`. */
  name: string | undefined;
  /** Intended start, `performance.now()` ms (closed loop: the actual start). */
  intendedStartMs: number;
  /** False during warm-up. */
  measured: boolean;
  /** Reports a retry of the current operation (pass `ctx` as `sink` to `withRetry`). */
  retry(cls: ErrorClass): void;
}

/** An operation: resolves (optionally to its type name) on success, throws on failure. */
export type OpFn = (
  workerId: number,
  rng: Rng,
  ctx: OpContext,
) => Promise<string | void | unknown> | string | void | unknown;

/** Settings common to both runners. Give exactly one of `durationMs` and `operations`. */
export interface LoadConfigBase {
  /** The operation to run. */
  op: OpFn;
  /** Type name when the operation gives none (default "op"). */
  opName?: string;
  /** Measured duration in ms (after warm-up). */
  durationMs?: number;
  /** Number of measured operations (after warm-up). */
  operations?: number;
  /** Warm-up in ms, executed but not recorded (default 0). */
  warmupMs?: number;
  /** Base seed of the per-worker random streams (default 1). */
  seed?: number;
  /** Maps a thrown value to an error class (default {@link classifyError}). */
  classifyError?: ErrorClassifier;
  /** Receives the run's counters every half second (a progress display); default none. */
  progress?: ProgressTick;
  /** What the run is, for messages. */
  label?: string;
}

/** Closed-loop settings. */
export interface ClosedLoopConfig extends LoadConfigBase {
  /** Number of concurrent workers. */
  concurrency: number;
}

/** Open-loop settings. */
export interface OpenLoopConfig extends LoadConfigBase {
  /** Target rate: operation i is intended to start at t0 + i / ratePerSec. */
  ratePerSec: number;
  /** Bound on operations in flight (default 1000); beyond it starts wait for a free slot. */
  maxInFlight?: number;
  /** After the schedule ends, wait at most this long for in-flight ops (default 30 000). */
  drainTimeoutMs?: number;
  /** A measured op starting later than this after its intended time is "late" (default 1). */
  lateStartThresholdMs?: number;
  /**
   * The last `spinMs` before an intended start are waited by event-loop turns instead of a
   * timer (default 3; Deno timers fire 1–3 ms late, and lateness inflates the measured
   * latency). Turns cost client CPU while waiting; set 0 to use timers only when the client
   * shares few cores with the server and sub-3 ms start precision does not matter.
   */
  spinMs?: number;
}

/** Open-loop schedule diagnostics: how well the harness kept to the schedule. */
export interface ScheduleStats {
  /** Target rate (ops/s). */
  ratePerSec: number;
  /** Measured operations scheduled. */
  scheduled: number;
  /** Measured operations that started more than `lateStartThresholdMs` after intended. */
  lateStarts: number;
  /** Measured operations whose start waited for a free in-flight slot (maxInFlight hit). */
  blockedStarts: number;
  /** Measured operations still running at the drain timeout, counted as timeout errors. */
  abandoned: number;
  /** Highest number of operations in flight at once. */
  maxInFlightSeen: number;
  /** Start lag (actual − intended start, ms) of measured operations: harness + client. */
  startLag: LatencySummary;
}

/** Result of a load run: the recorder summary plus how it was driven. */
export interface LoadResult extends RecorderSummary {
  /** "closed" or "open". */
  mode: "closed" | "open";
  /** Closed loop: number of workers. */
  concurrency?: number;
  /** Open loop: schedule diagnostics. */
  schedule?: ScheduleStats;
  /** Wall-clock time the measured window opened (ISO 8601). */
  startedAt: string;
  /** Warm-up length (ms). */
  warmupMs: number;
}

interface Common {
  op: OpFn;
  opName: string;
  durationMs?: number;
  operations?: number;
  warmupMs: number;
  seed: number;
  classify: ErrorClassifier;
  progress: ProgressTick | undefined;
  label?: string;
}

function validateCommon(where: string, cfg: LoadConfigBase): Common {
  if (typeof cfg !== "object" || cfg === null) {
    throw new Error(`${where}: config must be an object`);
  }
  if (typeof cfg.op !== "function") {
    throw new Error(`${where}: op must be a function, got ${show(cfg.op)}`);
  }
  const hasD = cfg.durationMs !== undefined;
  const hasN = cfg.operations !== undefined;
  if (hasD === hasN) {
    throw new Error(`${where}: give exactly one of durationMs or operations`);
  }
  const durationMs = hasD ? requirePositive(where, "durationMs", cfg.durationMs) : undefined;
  const operations = hasN ? requirePositiveInt(where, "operations", cfg.operations) : undefined;
  const warmupMs = requireNonNegative(where, "warmupMs", cfg.warmupMs ?? 0);
  const seed = cfg.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0) {
    throw new Error(`${where}: seed must be an integer >= 0, got ${show(seed)}`);
  }
  const opName = cfg.opName ?? "op";
  if (typeof opName !== "string" || opName === "") {
    throw new Error(`${where}: opName must be a non-empty string, got ${show(opName)}`);
  }
  return {
    op: cfg.op,
    opName,
    durationMs,
    operations,
    warmupMs,
    seed,
    classify: cfg.classifyError ?? classifyError,
    progress: cfg.progress,
    label: cfg.label,
  };
}

class Context implements OpContext {
  name: string | undefined = undefined;
  intendedStartMs = 0;
  measured = false;
  busy = false;
  constructor(readonly workerId: number, private rec: Recorder, private defaultName: string) {}
  reset(intended: number, measured: boolean): void {
    this.name = undefined;
    this.intendedStartMs = intended;
    this.measured = measured;
  }
  opType(result: unknown): string {
    if (typeof result === "string") this.name = result;
    return this.name ?? this.defaultName;
  }
  retry(cls: ErrorClass): void {
    if (this.measured) this.rec.retry(this.name ?? this.defaultName, cls);
  }
}

function startedAtIso(perfMs: number): string {
  return new Date(Date.now() - (performance.now() - perfMs)).toISOString();
}

/**
 * Runs `concurrency` workers, each executing `op` back to back, until the measured duration
 * has passed (operations in flight at the end still complete and count) or `operations`
 * measured operations have been started. Latency = completion − start of each operation.
 */
export async function runClosedLoop(cfg: ClosedLoopConfig): Promise<LoadResult> {
  const where = "runClosedLoop";
  const c = validateCommon(where, cfg);
  const concurrency = requirePositiveInt(where, "concurrency", cfg.concurrency);
  const t0 = performance.now();
  const measureStart = t0 + c.warmupMs;
  const stopAt = c.durationMs !== undefined ? measureStart + c.durationMs : Infinity;
  const limit = c.operations ?? Infinity;
  const rec = new Recorder(measureStart);
  let claimed = 0;
  const { op, classify } = c;

  const worker = async (w: number): Promise<void> => {
    const rng = forkRng(c.seed, `worker:${w}`);
    const ctx = new Context(w, rec, c.opName);
    for (;;) {
      const start = performance.now();
      if (start >= stopAt) return;
      const measured = start >= measureStart;
      if (measured) {
        if (claimed >= limit) return;
        claimed++;
      }
      ctx.reset(start, measured);
      try {
        const result = await op(w, rng, ctx);
        const end = performance.now();
        if (measured) rec.success(ctx.opType(result), (end - start) * 1000, end);
      } catch (err) {
        const end = performance.now();
        if (measured) rec.failure(ctx.opType(undefined), classify(err), end);
      }
    }
  };

  const stopProgress = startTicks(() => ({
    phase: performance.now() < measureStart ? "warmup" : "measure",
    ops: rec.okCount,
    errors: rec.errorCount,
  }), c.progress);
  try {
    await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  } finally {
    stopProgress();
  }
  const end = performance.now();
  return {
    mode: "closed",
    concurrency,
    startedAt: startedAtIso(measureStart),
    warmupMs: c.warmupMs,
    ...rec.summarize(Math.max(0, end - measureStart) / 1000),
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/**
 * Waits until `performance.now() >= target`: a timer for the bulk of the wait, then event
 * loop turns for the last `spinMs` (Deno timers fire 1–3 ms late; a late start would inflate
 * the latency measured from the intended start). Turns still let I/O callbacks run.
 */
async function waitUntil(target: number, spinMs: number): Promise<void> {
  for (;;) {
    const rem = target - performance.now();
    if (rem <= 0) return;
    if (rem > spinMs) await sleep(Math.max(0, rem - spinMs));
    else await nextTurn();
  }
}

/**
 * Starts operation i at its intended time t0 + i / ratePerSec regardless of how earlier ones
 * fare (up to `maxInFlight` at once; beyond that a start waits for a free slot and is counted
 * as blocked). Latency = completion − intended start, so queueing behind a stall is measured.
 */
export async function runOpenLoop(cfg: OpenLoopConfig): Promise<LoadResult> {
  const where = "runOpenLoop";
  const c = validateCommon(where, cfg);
  const rate = requirePositive(where, "ratePerSec", cfg.ratePerSec);
  const maxInFlight = requirePositiveInt(where, "maxInFlight", cfg.maxInFlight ?? 1000);
  const drainTimeoutMs = requirePositive(where, "drainTimeoutMs", cfg.drainTimeoutMs ?? 30_000);
  const lateMs = requireNonNegative(where, "lateStartThresholdMs", cfg.lateStartThresholdMs ?? 1);
  const spinMs = requireNonNegative(where, "spinMs", cfg.spinMs ?? 3);
  const interval = 1000 / rate;
  const EPS = 1e-9;
  const warmupOps = Math.ceil(c.warmupMs / interval - EPS);
  const total = c.operations !== undefined
    ? warmupOps + c.operations
    : Math.max(warmupOps + 1, Math.ceil((c.warmupMs + c.durationMs!) / interval - EPS));

  const t0 = performance.now();
  const measureStart = t0 + warmupOps * interval;
  const rec = new Recorder(measureStart);
  const lag: Histogram = createHistogram();
  const { op, classify } = c;
  const free: number[] = [];
  for (let s = maxInFlight - 1; s >= 0; s--) free.push(s);
  const ctxs: (Context | undefined)[] = new Array(maxInFlight);
  const rngs: (Rng | undefined)[] = new Array(maxInFlight);
  let inFlight = 0;
  let maxSeen = 0;
  let lateStarts = 0;
  let blockedStarts = 0;
  let closed = false;
  let slotWaiter: (() => void) | undefined;
  let drainWaiter: (() => void) | undefined;

  const runOne = async (slot: number, intended: number, measured: boolean): Promise<void> => {
    const ctx = ctxs[slot] ??= new Context(slot, rec, c.opName);
    const rng = rngs[slot] ??= forkRng(c.seed, `worker:${slot}`);
    ctx.reset(intended, measured);
    ctx.busy = true;
    const start = performance.now();
    if (measured) {
      recordMicros(lag, (start - intended) * 1000);
      if (start - intended > lateMs) lateStarts++;
    }
    try {
      const result = await op(slot, rng, ctx);
      const end = performance.now();
      if (measured && !closed) rec.success(ctx.opType(result), (end - intended) * 1000, end);
    } catch (err) {
      const end = performance.now();
      if (measured && !closed) rec.failure(ctx.opType(undefined), classify(err), end);
    } finally {
      ctx.busy = false;
      if (!closed) {
        inFlight--;
        free.push(slot);
        if (slotWaiter) {
          const w = slotWaiter;
          slotWaiter = undefined;
          w();
        }
        if (inFlight === 0 && drainWaiter) drainWaiter();
      }
    }
  };

  const stopProgress = startTicks(() => ({
    phase: performance.now() < measureStart ? "warmup" : "measure",
    ops: rec.okCount,
    errors: rec.errorCount,
  }), c.progress);
  let abandoned = 0;
  try {
    for (let i = 0; i < total; i++) {
      const intended = t0 + i * interval;
      if (intended > performance.now()) await waitUntil(intended, spinMs);
      const measured = i >= warmupOps;
      if (free.length === 0) {
        if (measured) blockedStarts++;
        await new Promise<void>((r) => (slotWaiter = r));
      }
      const slot = free.pop()!;
      inFlight++;
      if (inFlight > maxSeen) maxSeen = inFlight;
      runOne(slot, intended, measured); // never rejects: runOne catches everything
    }
    if (inFlight > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const drained = await Promise.race([
        new Promise<boolean>((r) => (drainWaiter = () => r(true))),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), drainTimeoutMs))),
      ]);
      clearTimeout(timer);
      if (!drained) {
        closed = true;
        const now = performance.now();
        for (const ctx of ctxs) {
          if (ctx?.busy && ctx.measured) {
            rec.failure(ctx.opType(undefined), "timeout", now);
            abandoned++;
          }
        }
      }
    }
  } finally {
    closed = true;
    stopProgress();
  }
  const end = performance.now();
  return {
    mode: "open",
    schedule: {
      ratePerSec: rate,
      scheduled: total - warmupOps,
      lateStarts,
      blockedStarts,
      abandoned,
      maxInFlightSeen: maxSeen,
      startLag: summarizeHistogram(lag),
    },
    startedAt: startedAtIso(measureStart),
    warmupMs: c.warmupMs,
    ...rec.summarize(Math.max(0, end - measureStart) / 1000),
  };
}

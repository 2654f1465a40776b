/**
 * The measurement sink of a load run: one HDR histogram per operation type, error and retry
 * counts by class, and a per-second time series of completions and errors. The hot path
 * (`success`, `failure`) does a map lookup, a histogram increment and two array increments:
 * no allocation once an operation type has been seen and the current second exists.
 *
 * @module
 */

import { ERROR_CLASSES, type ErrorClass } from "./errors.ts";
import {
  createHistogram,
  type Histogram,
  type LatencySummary,
  mergeHistograms,
  recordMicros,
  summarizeHistogram,
} from "./histogram.ts";

const CLASS_INDEX: Record<ErrorClass, number> = Object.fromEntries(
  ERROR_CLASSES.map((c, i) => [c, i]),
) as Record<ErrorClass, number>;

interface OpState {
  histogram: Histogram;
  errors: Float64Array;
  retries: Float64Array;
}

/** Counts by error class (every class present, zeros included). */
export type ClassCounts = Record<ErrorClass, number>;

/** Results of one operation type. */
export interface OpSummary {
  /** Successful measured operations. */
  ops: number;
  /** Failed measured operations (after any retries). */
  errors: number;
  /** Failures by class. */
  errorsByClass: ClassCounts;
  /** Retries (not failures) by class. */
  retries: number;
  /** Retries by class. */
  retriesByClass: ClassCounts;
  /** Successful operations per second of the measured window. */
  throughput: number;
  /** Latency of successful operations (ms). */
  latency: LatencySummary;
}

/** Per-second series; index i covers [i, i+1) s after the measured window opened. */
export interface TimeSeries {
  /** Successful completions per second. */
  ops: number[];
  /** Failures per second. */
  errors: number[];
}

/** Everything a recorder measured. */
export interface RecorderSummary {
  /** Length of the measured window (s). */
  elapsedS: number;
  /** Successful operations, all types. */
  ops: number;
  /** Failed operations, all types. */
  errors: number;
  /** Retries, all types. */
  retries: number;
  /** Successful operations per second. */
  throughput: number;
  /** Latency of all successful operations (ms). */
  latency: LatencySummary;
  /** Failures by class, all types. */
  errorsByClass: ClassCounts;
  /** Retries by class, all types. */
  retriesByClass: ClassCounts;
  /** Per operation type. */
  byOp: Record<string, OpSummary>;
  /** Per-second throughput and errors. */
  timeseries: TimeSeries;
}

function toCounts(a: Float64Array): ClassCounts {
  const out = {} as ClassCounts;
  ERROR_CLASSES.forEach((c, i) => (out[c] = a[i]));
  return out;
}

/**
 * Collects measurements of one run. Times are `performance.now()` milliseconds; the window
 * opens at `windowStartMs` (end of warm-up). Callers decide what is measured; the recorder
 * records everything it is given.
 */
export class Recorder {
  #ops = new Map<string, OpState>();
  #windowStartMs: number;
  #tsOps: number[] = [];
  #tsErrors: number[] = [];
  /** Successful operations recorded so far (for progress displays). */
  okCount = 0;
  /** Failures recorded so far (for progress displays). */
  errorCount = 0;

  /** @param windowStartMs `performance.now()` at which the measured window opens. */
  constructor(windowStartMs: number) {
    this.#windowStartMs = windowStartMs;
  }

  #state(name: string): OpState {
    let s = this.#ops.get(name);
    if (s === undefined) {
      s = {
        histogram: createHistogram(),
        errors: new Float64Array(ERROR_CLASSES.length),
        retries: new Float64Array(ERROR_CLASSES.length),
      };
      this.#ops.set(name, s);
    }
    return s;
  }

  #second(series: number[], nowMs: number): void {
    const i = Math.max(0, Math.floor((nowMs - this.#windowStartMs) / 1000));
    while (series.length <= i) {
      this.#tsOps.push(0);
      this.#tsErrors.push(0);
    }
    series[i]++;
  }

  /** Records a successful operation of type `name`, its latency in µs, completed at `nowMs`. */
  success(name: string, latencyUs: number, nowMs: number): void {
    recordMicros(this.#state(name).histogram, latencyUs);
    this.okCount++;
    this.#second(this.#tsOps, nowMs);
  }

  /** Records a failed operation of type `name` and class `cls`, completed at `nowMs`. */
  failure(name: string, cls: ErrorClass, nowMs: number): void {
    this.#state(name).errors[CLASS_INDEX[cls] ?? CLASS_INDEX.other]++;
    this.errorCount++;
    this.#second(this.#tsErrors, nowMs);
  }

  /** Records one retry of an operation of type `name` caused by an error of class `cls`. */
  retry(name: string, cls: ErrorClass): void {
    this.#state(name).retries[CLASS_INDEX[cls] ?? CLASS_INDEX.other]++;
  }

  /** Summarises the run, given the length of the measured window in seconds. */
  summarize(elapsedS: number): RecorderSummary {
    const byOp: Record<string, OpSummary> = {};
    const errTotal = new Float64Array(ERROR_CLASSES.length);
    const retTotal = new Float64Array(ERROR_CLASSES.length);
    const names = [...this.#ops.keys()].sort();
    for (const name of names) {
      const s = this.#ops.get(name)!;
      const latency = summarizeHistogram(s.histogram);
      const errors = s.errors.reduce((a, b) => a + b, 0);
      const retries = s.retries.reduce((a, b) => a + b, 0);
      s.errors.forEach((v, i) => (errTotal[i] += v));
      s.retries.forEach((v, i) => (retTotal[i] += v));
      byOp[name] = {
        ops: latency.count,
        errors,
        errorsByClass: toCounts(s.errors),
        retries,
        retriesByClass: toCounts(s.retries),
        throughput: elapsedS > 0 ? latency.count / elapsedS : 0,
        latency,
      };
    }
    const all = mergeHistograms([...this.#ops.values()].map((s) => s.histogram));
    const latency = summarizeHistogram(all);
    const errors = errTotal.reduce((a, b) => a + b, 0);
    return {
      elapsedS,
      ops: latency.count,
      errors,
      retries: retTotal.reduce((a, b) => a + b, 0),
      throughput: elapsedS > 0 ? latency.count / elapsedS : 0,
      latency,
      errorsByClass: toCounts(errTotal),
      retriesByClass: toCounts(retTotal),
      byOp,
      timeseries: { ops: [...this.#tsOps], errors: [...this.#tsErrors] },
    };
  }
}

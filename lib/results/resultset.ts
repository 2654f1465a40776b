/**
 * Building result rows in experiments: a {@link ResultSet} holds the provenance once; each
 * run (one engine × configuration × repetition) gets a {@link RunResults} with its identity
 * and adds metrics — by hand (`add("throughput", 1234.5, "ops/s")`) or from a load-run
 * summary (`addLoad(result)`). Values are checked when added, so a NaN fails at its source.
 *
 * @module
 */

import { ERROR_CLASSES } from "../load/errors.ts";
import type { LoadResult } from "../load/run.ts";
import type { LatencySummary } from "../load/histogram.ts";
import { type EngineConfig, formatEngineConfig } from "./engine_config.ts";
import type { Provenance } from "./provenance.ts";
import { DIMENSION_NAME, type DimValue, FIXED_COLUMNS, type ResultRow } from "./schema.ts";

/** Fixed identity of one run. */
export interface RunIdentity {
  /** Experiment id. */
  experiment: string;
  /** Engine id. */
  engine: string;
  /** Engine version as reported by the server. */
  engine_version: string;
  /** Provider ("native", "docker", "external"). */
  provider: string;
  /** Settings that matter: a map (formatted canonically) or a preformatted string. */
  engine_config: EngineConfig | string;
  /** Scale name. */
  scale: string;
  /** Workload seed. */
  seed: number;
  /** Repetition index, 0-based. */
  repetition: number;
  /** Experiment-specific dimensions shared by all rows of the run (e.g. concurrency). */
  dims?: Readonly<Record<string, DimValue>>;
}

/** One metric before identity and provenance are attached. */
export interface Metric {
  /** Metric name. */
  metric: string;
  /** Finite value. */
  value: number;
  /** Unit. */
  unit: string;
  /** Row-specific dimensions (e.g. op). */
  dims?: Readonly<Record<string, DimValue>>;
}

function checkDims(where: string, dims: Readonly<Record<string, DimValue>> | undefined): void {
  for (const [k, v] of Object.entries(dims ?? {})) {
    if (FIXED_COLUMNS.includes(k) || !DIMENSION_NAME.test(k)) {
      throw new Error(`${where}: bad dimension name "${k}" (lower snake case, not a fixed column)`);
    }
    if (typeof v === "number" && !Number.isFinite(v)) {
      throw new Error(`${where}: dimension "${k}" must be finite, got ${v}`);
    }
  }
}

/** Metrics of one run; create with {@link ResultSet.run}. */
export class RunResults {
  #identity: RunIdentity;
  #config: string;
  #provenance: Provenance;
  #metrics: Metric[] = [];
  #startedAt = new Date().toISOString();
  #t0 = performance.now();
  #durationS: number | undefined;

  /** Use {@link ResultSet.run}. */
  constructor(identity: RunIdentity, provenance: Provenance) {
    const where = `run ${identity.experiment}/${identity.engine}`;
    for (const k of ["experiment", "engine", "scale"] as const) {
      if (typeof identity[k] !== "string" || identity[k] === "") {
        throw new Error(`${where}: ${k} must be a non-empty string, got ${String(identity[k])}`);
      }
    }
    if (!Number.isInteger(identity.repetition) || identity.repetition < 0) {
      throw new Error(`${where}: repetition must be an integer >= 0, got ${identity.repetition}`);
    }
    if (!Number.isInteger(identity.seed)) {
      throw new Error(`${where}: seed must be an integer, got ${identity.seed}`);
    }
    checkDims(where, identity.dims);
    this.#identity = identity;
    this.#config = typeof identity.engine_config === "string"
      ? identity.engine_config
      : formatEngineConfig(identity.engine_config);
    this.#provenance = provenance;
  }

  /** Adds one metric; throws one line if the name, value or dimensions are bad. */
  add(metric: string, value: number, unit: string, dims?: Record<string, DimValue>): this {
    const where = `add(${JSON.stringify(metric)})`;
    if (typeof metric !== "string" || metric === "") throw new Error(`${where}: empty metric name`);
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new Error(`${where}: value must be a finite number, got ${String(value)}`);
    }
    if (typeof unit !== "string") throw new Error(`${where}: unit must be a string`);
    checkDims(where, dims);
    this.#metrics.push({ metric, value, unit, dims });
    return this;
  }

  /** Adds all metrics of a load-run summary (see {@link loadMetrics}). */
  addLoad(result: LoadResult, dims?: Record<string, DimValue>): this {
    for (const m of loadMetrics(result)) {
      this.add(m.metric, m.value, m.unit, { ...dims, ...m.dims });
    }
    return this;
  }

  /** Marks the run finished: duration_s = the given seconds, or the time since creation. */
  end(durationS?: number): this {
    this.#durationS = durationS ?? (performance.now() - this.#t0) / 1000;
    return this;
  }

  /** Rows of this run (duration so far if {@link end} was not called). */
  rows(): ResultRow[] {
    const id = this.#identity;
    const p = this.#provenance;
    const duration = this.#durationS ?? (performance.now() - this.#t0) / 1000;
    return this.#metrics.map((m) => ({
      experiment: id.experiment,
      engine: id.engine,
      engine_version: id.engine_version,
      provider: id.provider,
      engine_config: this.#config,
      scale: id.scale,
      seed: id.seed,
      repetition: id.repetition,
      ...id.dims,
      ...m.dims,
      metric: m.metric,
      value: m.value,
      unit: m.unit,
      host_cpu: p.host_cpu,
      host_cores: p.host_cores,
      host_mem_gib: p.host_mem_gib,
      host_os: p.host_os,
      deno_version: p.deno_version,
      git_commit: p.git_commit,
      git_dirty: p.git_dirty,
      code_fingerprint: "",
      started_at: this.#startedAt,
      duration_s: Math.round(duration * 1000) / 1000,
    }));
  }
}

/** The rows of many runs with one provenance; pass `rows()` to writeResults. */
export class ResultSet {
  #runs: RunResults[] = [];
  /** @param provenance from collectProvenance(), collected once per process. */
  constructor(readonly provenance: Provenance) {}

  /** Starts a run with the given identity; its start time is now. */
  run(identity: RunIdentity): RunResults {
    const r = new RunResults(identity, this.provenance);
    this.#runs.push(r);
    return r;
  }

  /** All rows of all runs so far. */
  rows(): ResultRow[] {
    return this.#runs.flatMap((r) => r.rows());
  }
}

const LATENCY_FIELDS: readonly (keyof LatencySummary)[] = [
  "mean",
  "p50",
  "p90",
  "p95",
  "p99",
  "p999",
  "max",
];

function latencyMetrics(l: LatencySummary, op: string): Metric[] {
  if (l.count === 0) return []; // no successful operation: no latency, not 0 ms
  return LATENCY_FIELDS.map((f) => ({
    metric: `latency_${f}`,
    value: l[f],
    unit: "ms",
    dims: { op },
  }));
}

/**
 * Metrics of a load-run summary, with an `op` dimension ("all" for totals, else the
 * operation type): throughput (ops/s), ops/errors/retries (count), latency_mean/p50/p90/
 * p95/p99/p999/max (ms, successful operations only, omitted when there were none),
 * errors_<class> and retries_<class> (count; every class for "all", non-zero ones per op),
 * window_s (s); open loop adds target_rate (ops/s), late_starts, blocked_starts, abandoned
 * (count) and start_lag_p99 (ms).
 */
export function loadMetrics(result: LoadResult): Metric[] {
  const out: Metric[] = [];
  const all = { op: "all" };
  out.push({ metric: "throughput", value: result.throughput, unit: "ops/s", dims: all });
  out.push({ metric: "ops", value: result.ops, unit: "count", dims: all });
  out.push({ metric: "errors", value: result.errors, unit: "count", dims: all });
  out.push({ metric: "retries", value: result.retries, unit: "count", dims: all });
  out.push({ metric: "window_s", value: result.elapsedS, unit: "s", dims: all });
  out.push(...latencyMetrics(result.latency, "all"));
  for (const c of ERROR_CLASSES) {
    out.push({ metric: `errors_${c}`, value: result.errorsByClass[c], unit: "count", dims: all });
    out.push({ metric: `retries_${c}`, value: result.retriesByClass[c], unit: "count", dims: all });
  }
  for (const [op, s] of Object.entries(result.byOp)) {
    const d = { op };
    out.push({ metric: "throughput", value: s.throughput, unit: "ops/s", dims: d });
    out.push({ metric: "ops", value: s.ops, unit: "count", dims: d });
    out.push({ metric: "errors", value: s.errors, unit: "count", dims: d });
    out.push({ metric: "retries", value: s.retries, unit: "count", dims: d });
    out.push(...latencyMetrics(s.latency, op));
    for (const c of ERROR_CLASSES) {
      if (s.errorsByClass[c] > 0) {
        out.push({ metric: `errors_${c}`, value: s.errorsByClass[c], unit: "count", dims: d });
      }
      if (s.retriesByClass[c] > 0) {
        out.push({ metric: `retries_${c}`, value: s.retriesByClass[c], unit: "count", dims: d });
      }
    }
  }
  const sch = result.schedule;
  if (sch) {
    out.push({ metric: "target_rate", value: sch.ratePerSec, unit: "ops/s", dims: all });
    out.push({ metric: "late_starts", value: sch.lateStarts, unit: "count", dims: all });
    out.push({ metric: "blocked_starts", value: sch.blockedStarts, unit: "count", dims: all });
    out.push({ metric: "abandoned", value: sch.abandoned, unit: "count", dims: all });
    if (sch.startLag.count > 0) {
      out.push({ metric: "start_lag_p99", value: sch.startLag.p99, unit: "ms", dims: all });
    }
  }
  return out;
}

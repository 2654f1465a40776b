/**
 * The one results row format of the project (tidy, long format): fixed identity columns,
 * then experiment-specific dimension columns, then `metric, value, unit`, then provenance.
 * Column names mean the same thing in every experiment's CSV, so notebooks can concatenate
 * files.
 *
 * @module
 */

/** Identity columns, first in every file, in this order. */
export const IDENTITY_COLUMNS = [
  "experiment",
  "engine",
  "engine_version",
  "provider",
  "engine_config",
  "scale",
  "seed",
  "repetition",
] as const;

/** Measurement columns, after the dimension columns. */
export const MEASURE_COLUMNS = ["metric", "value", "unit"] as const;

/** Provenance columns, last in every file, in this order. */
export const PROVENANCE_COLUMNS = [
  "host_cpu",
  "host_cores",
  "host_mem_gib",
  "host_os",
  "deno_version",
  "git_commit",
  "git_dirty",
  "code_fingerprint",
  "started_at",
  "duration_s",
] as const;

/**
 * Provenance columns a file may lack: results written before they existed stay readable (and
 * are then reported as of unknown code by the ADR check).
 */
export const OPTIONAL_COLUMNS: readonly string[] = ["code_fingerprint"];

/** All fixed (non-dimension) columns. */
export const FIXED_COLUMNS: readonly string[] = [
  ...IDENTITY_COLUMNS,
  ...MEASURE_COLUMNS,
  ...PROVENANCE_COLUMNS,
];

/** Columns holding numbers (parsed as numbers by the reader). */
export const NUMERIC_COLUMNS: readonly string[] = [
  "seed",
  "repetition",
  "value",
  "host_cores",
  "host_mem_gib",
  "duration_s",
];

/** Value of a dimension column. The reader returns dimensions as strings. */
export type DimValue = string | number | boolean;

/** One result row: one metric of one repetition of one configuration. */
export interface ResultRow {
  /** Experiment id, e.g. "oltp_checkout". */
  experiment: string;
  /** Engine id, e.g. "postgres". */
  engine: string;
  /** Engine server version as reported by the engine. */
  engine_version: string;
  /** How the engine ran: "native", "docker", "external", … */
  provider: string;
  /** Settings that matter, `key=value;key=value` (see formatEngineConfig). */
  engine_config: string;
  /** Data scale name. */
  scale: string;
  /** Workload seed. */
  seed: number;
  /** Repetition index, 0-based. */
  repetition: number;
  /** Metric name, e.g. "throughput", "latency_p99". */
  metric: string;
  /** Metric value (finite). */
  value: number;
  /** Unit of `value`, e.g. "ops/s", "ms", "count". */
  unit: string;
  /** CPU model of the host. */
  host_cpu: string;
  /** Logical CPUs of the host. */
  host_cores: number;
  /** Host memory (GiB). */
  host_mem_gib: number;
  /** Host OS (distribution and kernel). */
  host_os: string;
  /** Deno version that produced the row. */
  deno_version: string;
  /** Git commit of the code, or "unknown". */
  git_commit: string;
  /** Whether the work tree had uncommitted changes (true when unknown). */
  git_dirty: boolean;
  /**
   * Hash of the code the experiment's results depend on (its import graph, see lib/runs.ts),
   * stamped by the runner; empty until then, and in files that predate it.
   */
  code_fingerprint: string;
  /** Wall-clock start of the run (ISO 8601). */
  started_at: string;
  /** Duration of the run (s). */
  duration_s: number;
  /** Experiment-specific dimension columns (concurrency, isolation, op, …). */
  [dimension: string]: DimValue;
}

/** Valid dimension column names: lower snake case, not a fixed column. */
export const DIMENSION_NAME = /^[a-z][a-z0-9_]*$/;

const STRING_REQUIRED = [
  "experiment",
  "engine",
  "engine_version",
  "provider",
  "engine_config",
  "scale",
  "metric",
  "unit",
  "host_cpu",
  "host_os",
  "deno_version",
  "git_commit",
  "started_at",
] as const;
const NON_EMPTY = new Set(["experiment", "engine", "metric", "scale"]);

/**
 * Checks one row; returns a description of the first problem, or undefined if the row is
 * valid. Used by the writer (before anything is written) and by builders.
 */
export function rowProblem(row: Record<string, unknown>): string | undefined {
  if (typeof row !== "object" || row === null) return "row is not an object";
  for (const c of STRING_REQUIRED) {
    const v = row[c];
    if (v === undefined || v === null) return `missing required column "${c}"`;
    if (typeof v !== "string") return `column "${c}" must be a string, got ${typeof v}`;
    if (NON_EMPTY.has(c) && v === "") return `column "${c}" is empty`;
  }
  for (const c of NUMERIC_COLUMNS) {
    const v = row[c];
    if (v === undefined || v === null) return `missing required column "${c}"`;
    if (typeof v !== "number" || !Number.isFinite(v)) {
      return `column "${c}" must be a finite number, got ${String(v)}`;
    }
  }
  if (!Number.isInteger(row.repetition) || (row.repetition as number) < 0) {
    return `column "repetition" must be an integer >= 0, got ${row.repetition}`;
  }
  if (!Number.isInteger(row.seed)) return `column "seed" must be an integer, got ${row.seed}`;
  if (typeof row.git_dirty !== "boolean") {
    return `column "git_dirty" must be a boolean, got ${String(row.git_dirty)}`;
  }
  if (typeof row.code_fingerprint !== "string") {
    return `column "code_fingerprint" must be a string, got ${String(row.code_fingerprint)}`;
  }
  for (const [k, v] of Object.entries(row)) {
    if (FIXED_COLUMNS.includes(k)) continue;
    if (!DIMENSION_NAME.test(k)) return `dimension column "${k}" is not lower snake case`;
    if (typeof v === "number" ? !Number.isFinite(v) : !["string", "boolean"].includes(typeof v)) {
      return `dimension column "${k}" must be a string, boolean or finite number, got ${String(v)}`;
    }
  }
  return undefined;
}

/**
 * Column order of a file holding `rows`: identity columns, the union of dimension columns
 * in first-seen order, metric/value/unit, provenance.
 */
export function columnsOf(rows: readonly Record<string, unknown>[]): string[] {
  const dims = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) if (!FIXED_COLUMNS.includes(k)) dims.add(k);
  return [...IDENTITY_COLUMNS, ...dims, ...MEASURE_COLUMNS, ...PROVENANCE_COLUMNS];
}

/** The dimension (experiment-specific) column names present in a row. */
export function dimensionsOf(row: Record<string, unknown>): string[] {
  return Object.keys(row).filter((k) => !FIXED_COLUMNS.includes(k));
}

/**
 * What the notebook and the ADR read off the experiment's rows: RTO per tool and size, backup
 * time and repository bytes per compression, the extrapolation rate (MB restored per second),
 * the PITR verdict, writes lost per recovery configuration and per persistence mode. Rows may
 * come fresh from a run (numbers) or replayed from CSV (strings): every comparison goes
 * through String().
 *
 * @module
 */

import type { ResultRow } from "../../results/mod.ts";
import { summarize, type Summary } from "../../stats/summary.ts";

type Where = Record<string, string | number>;
type Rows = readonly ResultRow[];

const matches = (r: ResultRow, where: Where) =>
  Object.entries(where).every(([k, v]) => String(r[k] ?? "") === String(v));

/** Values of `metric` in rows matching `where`, one per repetition (two for one is an error). */
export function valuesOf(rows: Rows, metric: string, where: Where): number[] {
  const found = rows.filter((r) => r.metric === metric && matches(r, where));
  const reps = new Set(found.map((r) => r.repetition));
  const what = `${metric} at ${Object.entries(where).map(([k, v]) => `${k}=${v}`).join(", ")}`;
  if (found.length === 0) throw new Error(`no ${what}`);
  if (reps.size !== found.length) {
    throw new Error(`${what} is ambiguous: ${found.length} rows for ${reps.size} repetitions`);
  }
  return found.map((r) => Number(r.value));
}

/** Mean and 95 % interval of `metric` over repetitions where `where` holds. */
export function pointOf(rows: Rows, metric: string, where: Where): Summary {
  return summarize(valuesOf(rows, metric, where));
}

/** The one value of `metric` where `where` holds (single-run measurements). */
export function one(rows: Rows, metric: string, where: Where): number {
  const v = valuesOf(rows, metric, where);
  if (v.length !== 1) throw new Error(`${metric}: ${v.length} values where one was expected`);
  return v[0];
}

/** Rows that record an engine skipped here, with the reason. */
export function skipped(rows: Rows): { engine: string; reason: string }[] {
  return rows.filter((r) => r.metric === "skipped").map((r) => ({
    engine: r.engine,
    reason: String(r.reason ?? ""),
  }));
}

// ---- part 1 --------------------------------------------------------------------------------

/** Dataset sizes (MB, nominal) measured (by `engine`, default any), ascending. */
export function sizes(rows: Rows, engine?: string): number[] {
  const loads = rows.filter((r) => r.part === "load" && (!engine || r.engine === engine));
  return [...new Set(loads.map((r) => Number(r.size_mb)))].sort((a, b) => a - b);
}

/** The engine whose rows carry `tool` (every tool belongs to one engine). */
export function engineOf(rows: Rows, tool: string): string {
  const found = rows.find((r) => r.tool === tool);
  if (!found) throw new Error(`no rows of tool ${tool}`);
  return found.engine;
}

/** The database bytes `engine` measured after loading a nominal size. */
export function dbBytes(rows: Rows, sizeMb: number, engine: string): number {
  return one(rows, "db_bytes", { engine, part: "load", size_mb: sizeMb });
}

/** Engines with a backups part, in run order. */
export function backupEngines(rows: Rows): string[] {
  return [...new Set(rows.filter((r) => r.part === "load").map((r) => r.engine))];
}

/** A restore's metric for a tool's backup type at a size (default compression). */
export function restoreMetric(
  rows: Rows,
  metric: string,
  tool: string,
  type: string,
  sizeMb: number,
): number {
  return one(rows, metric, { part: "restore", tool, type, size_mb: sizeMb });
}

/** RTO (ms): files in place + the server's start out of recovery. */
export function rto(rows: Rows, tool: string, type: string, sizeMb: number): number {
  return restoreMetric(rows, "rto_ms", tool, type, sizeMb);
}

/** A backup's metric for a tool's type at a size (default compression). */
export function backupMetric(
  rows: Rows,
  metric: string,
  tool: string,
  type: string,
  sizeMb: number,
): number {
  return one(rows, metric, { part: "backup", tool, type, size_mb: sizeMb });
}

/** Compression sweep: metric per compression at a size. */
export function compression(
  rows: Rows,
  metric: string,
  codec: string,
  sizeMb: number,
  part: "compression" | "compression_restore" = "compression",
): number {
  return one(rows, metric, {
    part,
    tool: "pgbackrest",
    type: "full",
    compression: codec,
    size_mb: sizeMb,
  });
}

/** Compression types swept. */
export function codecs(rows: Rows): string[] {
  return [
    ...new Set(rows.filter((r) => r.part === "compression").map((r) => String(r.compression))),
  ];
}

/** Restores that verified, and all restores. */
export function verification(rows: Rows): { verified: number; restores: number } {
  const v = rows.filter((r) => r.metric === "verified");
  return { verified: v.filter((r) => Number(r.value) === 1).length, restores: v.length };
}

/**
 * The restore rate (MB of database per second of RTO) of a tool's full restore at the largest
 * size measured: the rate an extrapolation to a production size divides by.
 */
export function restoreRate(rows: Rows, tool: string, type: string): number {
  const engine = engineOf(rows, tool);
  const s = Math.max(...sizes(rows, engine));
  return dbBytes(rows, s, engine) / 1e6 / (rto(rows, tool, type, s) / 1000);
}

/** Extrapolated RTO (s) at `gb` GB from {@link restoreRate} (linear; an extrapolation). */
export function extrapolatedRtoS(rows: Rows, tool: string, type: string, gb: number): number {
  return (gb * 1000) / restoreRate(rows, tool, type);
}

/** Chart points: RTO (s) against database MB per tool and type. */
export function rtoPoints(rows: Rows): { tool: string; mb: number; rto_s: number }[] {
  return rows.filter((r) => r.part === "restore" && r.metric === "rto_ms")
    .map((r) => ({
      tool: `${r.tool} ${r.type}`,
      mb: dbBytes(rows, Number(r.size_mb), r.engine) / 1e6,
      rto_s: Number(r.value) / 1000,
    }));
}

// ---- parts 2 and 3 -------------------------------------------------------------------------

/** One engine's PITR drills summed over repetitions, and whether every one was valid. */
export function pitr(all: Rows, engine: string) {
  const rows = all.filter((r) => r.engine === engine);
  const sum = (m: string) =>
    rows.filter((r) => r.metric === m).reduce((n, r) => n + Number(r.value), 0);
  const runs = rows.filter((r) => r.metric === "valid");
  return {
    runs: runs.length,
    valid: runs.length > 0 && runs.every((r) => Number(r.value) === 1) ? 1 : 0,
    before: sum("before_target"),
    missingBefore: sum("missing_before"),
    after: sum("after_target"),
    presentAfter: sum("present_after"),
    inFlight: sum("in_flight"),
    foreign: sum("foreign"),
  };
}

/** A disk-loss configuration's metric over repetitions. */
export function rpo(rows: Rows, config: string, metric: string): Summary {
  return pointOf(rows, metric, { config });
}

/** Configurations of the disk-loss drill, in run order. */
export function rpoConfigs(rows: Rows): string[] {
  return [...new Set(rows.filter((r) => r.metric === "lost").map((r) => String(r.config)))];
}

// ---- part 4 --------------------------------------------------------------------------------

/** A persistence mode's crash-run metric over repetitions. */
export function persistence(rows: Rows, mode: string, metric: string): Summary {
  return pointOf(rows, metric, { part: "loss", mode });
}

/** Restart time (ms) of a mode with `keys` keys. */
export function restartMs(rows: Rows, mode: string, keys: number): number {
  return one(rows, "restart_ms", { part: "restart", mode, keys });
}

/** Modes measured, in run order. */
export function modes(rows: Rows): string[] {
  return [...new Set(rows.filter((r) => r.part === "loss").map((r) => String(r.mode)))];
}

/** Dataset sizes (keys) of the restart runs, ascending. */
export function restartSizes(rows: Rows): number[] {
  return [...new Set(rows.filter((r) => r.part === "restart").map((r) => Number(r.keys)))]
    .sort((a, b) => a - b);
}

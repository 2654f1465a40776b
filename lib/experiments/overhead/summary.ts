/**
 * What the harness-calibration notebook and the ADR read off data/harness_overhead.csv: per
 * engine and harness technique, the paired ratio against the C tool with its 95 % interval
 * (as the run wrote it), whether the 0.95 target is met with confidence, the interval's
 * half-width, client CPU per operation beside the tool's, and the highest-ratio technique.
 *
 * @module
 */

import type { ResultRow } from "../../results/mod.ts";
import { summarize } from "../../stats/summary.ts";

/** The ratio an issue asks the harness to reach against the C tool with confidence. */
export const OVERHEAD_TARGET = 0.95;

/** One harness technique against the tool on one engine. */
export interface TechniqueRatio {
  engine: string;
  technique: string;
  detail: string;
  /** Paired ratio (geometric mean of harness/tool over pairs), and its 95 % interval. */
  ratio: number;
  low: number;
  high: number;
  /** (high − low) / 2; NaN when the run wrote no finite interval. */
  halfWidth: number;
  /** The interval's low end is at or above OVERHEAD_TARGET. */
  meetsTarget: boolean;
  /** Pairs measured. */
  repetitions: number;
  /** Mean client CPU µs per operation of the technique, and of the tool on that engine. */
  cpuUsPerOp: number;
  toolCpuUsPerOp: number;
}

/** Mean client CPU µs/op of one side on one engine; NaN when the run did not measure it. */
function cpuMean(rows: readonly ResultRow[], engine: string, side: string, technique?: string) {
  const values = rows.filter((r) =>
    r.metric === "client_cpu_per_op" && r.engine === engine && r.side === side &&
    (technique === undefined || r.technique === technique)
  ).map((r) => Number(r.value));
  return values.length === 0 ? NaN : summarize(values).mean;
}

/** Every engine × technique with its paired ratio (rows of side `paired`). */
export function techniqueRatios(rows: readonly ResultRow[]): TechniqueRatio[] {
  const groups = new Map<string, Map<string, number>>();
  const details = new Map<string, string>();
  for (const r of rows) {
    if (r.side !== "paired") continue;
    const key = `${r.engine}|${r.technique}`;
    if (!groups.has(key)) groups.set(key, new Map());
    groups.get(key)!.set(String(r.metric), Number(r.value));
    details.set(key, String(r.technique_detail ?? ""));
  }
  const out = [...groups].map(([key, m]) => {
    const [engine, technique] = key.split("|");
    const low = m.get("throughput_ratio_ci_low") ?? NaN;
    const high = m.get("throughput_ratio_ci_high") ?? NaN;
    return {
      engine,
      technique,
      detail: details.get(key)!,
      ratio: m.get("throughput_ratio") ?? NaN,
      low,
      high,
      halfWidth: (high - low) / 2,
      meetsTarget: low >= OVERHEAD_TARGET,
      repetitions: m.get("repetitions") ?? 0,
      cpuUsPerOp: cpuMean(rows, engine, "harness", technique),
      toolCpuUsPerOp: cpuMean(rows, engine, "tool"),
    };
  });
  return out.sort((a, b) =>
    a.engine.localeCompare(b.engine) || a.technique.localeCompare(b.technique)
  );
}

/** One technique's ratio on one engine; throws when the run did not measure it. */
export function techniqueRatio(
  rows: readonly ResultRow[],
  engine: string,
  technique: string,
): TechniqueRatio {
  const r = techniqueRatios(rows).find((x) => x.engine === engine && x.technique === technique);
  if (!r) throw new Error(`no harness_overhead ratio of ${technique} on ${engine}`);
  return r;
}

/** Per engine, the technique with the highest paired ratio (by point estimate). */
export function bestTechnique(rows: readonly ResultRow[]): TechniqueRatio[] {
  const best = new Map<string, TechniqueRatio>();
  for (const r of techniqueRatios(rows)) {
    const b = best.get(r.engine);
    if (!b || r.ratio > b.ratio) best.set(r.engine, r);
  }
  return [...best.values()];
}

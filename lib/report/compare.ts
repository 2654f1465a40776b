/**
 * Two result directories side by side, the way the decision record reads them: every ADR
 * figure computed on both (data/ and a run directory, or two runs), with the number behind it
 * and its interval where the figure gives one. A figure is flagged when its conclusion changed:
 * a verdict phrase that reads differently, or a number outside the other side's interval (or
 * differing by more than 10 % where there is no interval). Figures one side cannot compute
 * (a table the run did not produce) are listed as such, not guessed.
 *
 * @module
 */

import type { FigureFn, FigureValue } from "../results/figure.ts";
import { readManifest, type Yardstick } from "../results/rundir.ts";
import { yardstickRatio } from "../experiments/overhead/yardstick.ts";
import { figureData } from "./adr.ts";

/** One figure on both sides. */
export interface FigureComparison {
  id: string;
  before: FigureValue | { text: string } | { error: string };
  after: FigureValue | { text: string } | { error: string };
  /** Why the figure is flagged, or undefined when its conclusion holds. */
  flag?: string;
}

/** The comparison, and its rendering as text for the terminal. */
export interface ComparisonReport {
  figures: FigureComparison[];
  flagged: number;
  text: string;
}

type Side = FigureComparison["before"];

async function evaluate(fn: FigureFn, dir: string): Promise<Side> {
  try {
    const r = await fn(figureData(dir));
    return typeof r === "string" ? { text: r } : r;
  } catch (err) {
    return { error: (err as Error).message };
  }
}

const hasValue = (s: Side): s is FigureValue => "value" in s;
const hasText = (s: Side): s is { text: string } => "text" in s;

/** Why two sides of a figure differ in conclusion, or undefined. */
export function conclusionChange(before: Side, after: Side): string | undefined {
  if (!hasText(before) || !hasText(after)) return undefined;
  if (hasValue(before) && hasValue(after)) {
    const outside = (v: number, s: FigureValue) =>
      s.low !== undefined && s.high !== undefined && (v < s.low || v > s.high);
    if (outside(after.value, before) || outside(before.value, after)) {
      return "the value left the other side's 95 % interval";
    }
    const noInterval = before.low === undefined && after.low === undefined;
    const rel = Math.abs(after.value - before.value) / Math.max(1e-12, Math.abs(before.value));
    if (noInterval && rel > 0.1) return `changed by ${(rel * 100).toFixed(0)} % (no interval)`;
    return undefined;
  }
  // A phrase without digits is a verdict ("PostgreSQL is ahead"): any change is a new
  // conclusion. Numbers without a stated value are compared as text at 10 %.
  if (!/\d/.test(before.text) || !/\d/.test(after.text)) {
    return before.text === after.text ? undefined : "the verdict reads differently";
  }
  // The record groups thousands with a space ("1 933 ops/s"): join those before reading.
  const num = (t: string) =>
    Number(
      t.replace(/(\d) (?=\d{3}(?!\d))/g, "$1").replace(/[^\d.\-]/g, " ").trim().split(/\s+/)[0],
    );
  const a = num(before.text), b = num(after.text);
  if (Number.isFinite(a) && Number.isFinite(b) && a !== 0 && Math.abs(b - a) / Math.abs(a) > 0.1) {
    return `changed by ${(100 * Math.abs(b - a) / Math.abs(a)).toFixed(0)} %`;
  }
  return undefined;
}

function show(s: Side): string {
  if ("error" in s) return `(not computable: ${s.error.slice(0, 80)})`;
  if (hasValue(s) && s.low !== undefined && s.high !== undefined) {
    return `${s.text} [${s.low.toPrecision(3)}–${s.high.toPrecision(3)}]`;
  }
  return s.text;
}

async function describeDir(dir: string): Promise<string> {
  const m = await readManifest(dir);
  const entries = Object.values(m.tables);
  const commits = [...new Set(entries.map((e) => e.git_commit.slice(0, 7)))].join(", ");
  const scales = [...new Set(entries.map((e) => e.scale))].join(", ");
  return `${dir} (${entries.length} table(s), scale ${scales || "?"}, commit ${commits || "?"})`;
}

/** The yardstick of a directory's tables (the first table that carries one), if any. */
async function yardstickOf(dir: string): Promise<Yardstick | undefined> {
  return Object.values((await readManifest(dir)).tables).find((e) => e.yardstick)?.yardstick;
}

/**
 * What the two sides' yardsticks say about their machines: a warning when one was more than
 * 10 % faster (rates then compare only normalised), or that a side has none.
 */
export function machineSpeedNote(before?: Yardstick, after?: Yardstick): string {
  const show = (y: Yardstick) =>
    `pgbench -S ${y.pgbench_select_tps?.toFixed(0) ?? "–"} tps, redis GET ${
      y.redis_get_rps?.toFixed(0) ?? "–"
    } rps, ${y.placement}`;
  if (!before || !after) {
    return `note: ${
      !before && !after ? "neither side has" : !before ? "before has no" : "after has no"
    } yardstick: whether the machines ran at the same speed is unknown`;
  }
  const r = yardstickRatio(before, after);
  const both = `yardsticks: before ${show(before)}; after ${show(after)}`;
  if (r === undefined) return `note: the yardsticks share no figure (${both})`;
  if (Math.abs(Math.log(r)) > Math.log(1.1)) {
    return `note: the machines differ in speed: after ran ${r.toFixed(2)}× as fast as before by ` +
      `the yardstick (${both}); rates compare only normalised by it`;
  }
  return `machines: same speed within 10 % (after/before ${r.toFixed(2)}×; ${both})`;
}

/** Compute every figure on `beforeDir` and `afterDir` and compare them. */
export async function compareRuns(
  figures: Map<string, FigureFn>,
  beforeDir: string,
  afterDir: string,
): Promise<ComparisonReport> {
  const out: FigureComparison[] = [];
  for (const [id, fn] of figures) {
    const [before, after] = await Promise.all([evaluate(fn, beforeDir), evaluate(fn, afterDir)]);
    if ("error" in before && "error" in after) continue; // neither side has its data
    const flag = "error" in after
      ? undefined
      : "error" in before
      ? "new: not computable before"
      : conclusionChange(before, after);
    out.push({ id, before, after, ...(flag ? { flag } : {}) });
  }
  const flagged = out.filter((f) => f.flag).length;
  const scales = async (dir: string) =>
    [...new Set(Object.values((await readManifest(dir)).tables).map((e) => e.scale))].join(", ");
  const [sb, sa] = [await scales(beforeDir), await scales(afterDir)];
  const speed = machineSpeedNote(
    await yardstickOf(beforeDir),
    await yardstickOf(afterDir),
  );
  const lines = [
    `before: ${await describeDir(beforeDir)}`,
    `after:  ${await describeDir(afterDir)}`,
    ...(sb !== sa
      ? [`note: the scales differ (${sb} vs ${sa}): sizes and rates are not comparable as such`]
      : []),
    speed,
    "",
    ...out.map((f) =>
      `${f.flag ? "!" : " "} ${f.id}: ${show(f.before)}  →  ${show(f.after)}${
        f.flag ? `   <- ${f.flag}` : ""
      }`
    ),
    "",
    `${out.length} figure(s) compared, ${flagged} flagged (conclusion changed)`,
  ];
  return { figures: out, flagged, text: lines.join("\n") };
}

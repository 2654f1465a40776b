/**
 * Summaries over repetitions, built on simple-statistics: mean, sample standard deviation,
 * min, max, n and a 95 % Student-t confidence interval of the mean; the ratio of two
 * engines' means with a Fieller interval; and grouping of result rows by dimension columns.
 *
 * @module
 */

import { max, mean, min, sampleStandardDeviation, sampleVariance } from "simple-statistics";
import type { ResultRow } from "../results/schema.ts";
import { tQuantile975 } from "./tdist.ts";

/** Repetitions per configuration unless an experiment says otherwise. */
export const DEFAULT_REPETITIONS = 3;

/** Summary of repeated measurements of one quantity. */
export interface Summary {
  /** Number of values. */
  n: number;
  /** Arithmetic mean. */
  mean: number;
  /** Sample standard deviation (n − 1 denominator); NaN when n < 2. */
  stddev: number;
  /** Smallest value. */
  min: number;
  /** Largest value. */
  max: number;
  /** Lower bound of the 95 % CI of the mean (Student t, n − 1 df); NaN when n < 2. */
  ciLow: number;
  /** Upper bound of the 95 % CI of the mean; NaN when n < 2. */
  ciHigh: number;
  /** Half-width of the 95 % CI (t · s / √n); NaN when n < 2. */
  ciHalfWidth: number;
}

function requireValues(where: string, values: readonly number[]): void {
  if (values.length === 0) throw new Error(`${where}: no values`);
  values.forEach((v, i) => {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new Error(`${where}: value ${i + 1} is not a finite number: ${String(v)}`);
    }
  });
}

/**
 * Summarises repeated measurements. With one value the spread and interval are NaN (unknown),
 * never 0: one run says nothing about variability.
 */
export function summarize(values: readonly number[]): Summary {
  requireValues("summarize", values);
  const xs = values as number[];
  const n = xs.length;
  const m = mean(xs);
  if (n < 2) {
    return {
      n,
      mean: m,
      stddev: NaN,
      min: xs[0],
      max: xs[0],
      ciLow: NaN,
      ciHigh: NaN,
      ciHalfWidth: NaN,
    };
  }
  const s = sampleStandardDeviation(xs);
  const half = tQuantile975(n - 1) * s / Math.sqrt(n);
  return {
    n,
    mean: m,
    stddev: s,
    min: min(xs),
    max: max(xs),
    ciLow: m - half,
    ciHigh: m + half,
    ciHalfWidth: half,
  };
}

/** Ratio of two means with its 95 % confidence interval. */
export interface RatioSummary {
  /** mean(a) / mean(b). */
  ratio: number;
  /** Lower bound (−Infinity when unbounded; NaN when n < 2 on either side). */
  low: number;
  /** Upper bound (+Infinity when unbounded; NaN when n < 2 on either side). */
  high: number;
  /** False when mean(b) is not significantly different from 0: the interval is unbounded. */
  bounded: boolean;
  /** Welch–Satterthwaite degrees of freedom used for the t quantile. */
  df: number;
  /** Always "fieller". */
  method: "fieller";
}

/**
 * Ratio of means of two independent samples (e.g. engine A's throughput over engine B's
 * across repetitions) with a 95 % interval by Fieller's theorem: the set of θ for which
 * mean(a) − θ·mean(b) is not significantly different from 0, i.e.
 * (ā − θ b̄)² ≤ t² (va + θ² vb) with va = s_a²/n_a, vb = s_b²/n_b (no covariance between
 * independent runs) and t the 0.975 quantile at the Welch–Satterthwaite df evaluated at
 * θ = ā/b̄. Unlike the delta method it is asymmetric around the ratio, as ratios are, and it
 * becomes unbounded (reported as ±Infinity, `bounded: false`) when b̄ is not clearly
 * non-zero (b̄² ≤ t²·vb).
 */
export function ratioOfMeans(a: readonly number[], b: readonly number[]): RatioSummary {
  requireValues("ratioOfMeans(a)", a);
  requireValues("ratioOfMeans(b)", b);
  const ma = mean(a as number[]);
  const mb = mean(b as number[]);
  if (mb === 0) throw new Error("ratioOfMeans: mean of b is 0");
  const ratio = ma / mb;
  if (a.length < 2 || b.length < 2) {
    return { ratio, low: NaN, high: NaN, bounded: false, df: NaN, method: "fieller" };
  }
  const va = sampleVariance(a as number[]) / a.length;
  const vb = sampleVariance(b as number[]) / b.length;
  if (va === 0 && vb === 0) {
    return { ratio, low: ratio, high: ratio, bounded: true, df: Infinity, method: "fieller" };
  }
  const r2vb = ratio * ratio * vb;
  const df = (va + r2vb) ** 2 / (va * va / (a.length - 1) + r2vb * r2vb / (b.length - 1));
  const t = tQuantile975(Math.max(1, df));
  const t2 = t * t;
  const denom = mb * mb - t2 * vb;
  if (denom <= 0) {
    return { ratio, low: -Infinity, high: Infinity, bounded: false, df, method: "fieller" };
  }
  const disc = va * mb * mb + vb * ma * ma - t2 * va * vb;
  const root = t * Math.sqrt(Math.max(0, disc));
  return {
    ratio,
    low: (ma * mb - root) / denom,
    high: (ma * mb + root) / denom,
    bounded: true,
    df,
    method: "fieller",
  };
}

/** One group of {@link summarizeBy}: the key values, the summary and the raw values. */
export interface GroupSummary extends Summary {
  /** Values of the grouping columns (as strings). */
  key: Record<string, string>;
  /** Metric summarised. */
  metric: string;
  /** Unit of the metric (from the rows). */
  unit: string;
  /** The values in row order. */
  values: number[];
}

/**
 * Groups rows of `metric` by the given columns (e.g. ["engine", "concurrency", "op"]) and
 * summarises `value` over repetitions, in first-seen group order. Throws if a group holds two
 * rows with the same repetition: the keys miss a distinguishing column, and averaging those
 * rows would silently mix configurations.
 */
export function summarizeBy(
  rows: readonly ResultRow[],
  keys: readonly string[],
  metric: string,
): GroupSummary[] {
  const groups = new Map<
    string,
    { key: Record<string, string>; unit: string; rows: ResultRow[] }
  >();
  for (const r of rows) {
    if (r.metric !== metric) continue;
    const key: Record<string, string> = {};
    for (const k of keys) key[k] = r[k] === undefined ? "" : String(r[k]);
    const id = JSON.stringify(keys.map((k) => key[k]));
    let g = groups.get(id);
    if (!g) groups.set(id, g = { key, unit: r.unit, rows: [] });
    if (g.rows.some((x) => x.repetition === r.repetition)) {
      const where = keys.map((k) => `${k}=${key[k]}`).join(", ") || "(no keys)";
      throw new Error(
        `summarizeBy(${metric}): group ${where} has two rows for repetition ${r.repetition}; ` +
          `add the column that tells them apart to the keys`,
      );
    }
    g.rows.push(r);
  }
  return [...groups.values()].map((g) => {
    const values = g.rows.map((r) => r.value);
    return { key: g.key, metric, unit: g.unit, values, ...summarize(values) };
  });
}

/**
 * Paired ratios: when A and B were measured in alternation (A₁ B₁ A₂ B₂ …, order swapped per
 * round), each round's A/B shares the round's machine state, so the ratio is estimated from
 * the per-round ratios — the geometric mean of Aᵢ/Bᵢ with a t interval on the log scale — and
 * drift common to both sides cancels, which two independent means (Fieller) cannot do.
 *
 * @module
 */

import { tQuantile975 } from "./tdist.ts";

/** A paired ratio with its 95 % interval. */
export interface PairedRatio {
  /** Geometric mean of the per-pair ratios a[i] / b[i]. */
  ratio: number;
  /** Lower bound of the 95 % interval (NaN with one pair). */
  low: number;
  /** Upper bound (NaN with one pair). */
  high: number;
  /** Pairs used. */
  n: number;
  /** The per-pair ratios, in order. */
  ratios: number[];
}

/** Paired ratio of `a` to `b` (same length, positive values, pair i = a[i] with b[i]). */
export function pairedRatio(a: readonly number[], b: readonly number[]): PairedRatio {
  if (a.length !== b.length) {
    throw new Error(`pairedRatio: ${a.length} values against ${b.length}: pairs must match`);
  }
  if (a.length === 0) throw new Error("pairedRatio: no pairs");
  const ratios = a.map((x, i) => {
    if (!(x > 0) || !(b[i] > 0)) {
      throw new Error(`pairedRatio: pair ${i} is not positive (${x}, ${b[i]})`);
    }
    return x / b[i];
  });
  const logs = ratios.map(Math.log);
  const n = logs.length;
  const m = logs.reduce((s, x) => s + x, 0) / n;
  if (n < 2) return { ratio: Math.exp(m), low: NaN, high: NaN, n, ratios };
  const sd = Math.sqrt(logs.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1));
  const half = tQuantile975(n - 1) * sd / Math.sqrt(n);
  return { ratio: Math.exp(m), low: Math.exp(m - half), high: Math.exp(m + half), n, ratios };
}

/** Coefficient of variation (sample standard deviation / mean); NaN with fewer than 2 values. */
export function coefficientOfVariation(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return NaN;
  const m = values.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(values.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1));
  return sd / m;
}

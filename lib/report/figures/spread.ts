/**
 * How the ADR words the spread of a cited figure's repetitions. It lives with the figures, not
 * in lib/results/figure.ts, because that module sits in every experiment's import graph and an
 * edit there would mark every experiment's data as measured by other code.
 *
 * @module
 */

import { formatPercent } from "../../results/figure.ts";
import { coefficientOfVariation } from "../../stats/paired.ts";
import type { Summary } from "../../stats/summary.ts";

/** The coefficient of variation beyond which a cited figure is flagged as not stable (issue 19). */
export const SPREAD_LIMIT = 0.1;

/** What {@link formatSpread} says of a measurement that ran once: no spread is known. */
export const SINGLE_RUN = "one run, no spread";

/** Repetitions' values, or their summary (sample standard deviation, as lib/stats computes). */
export type Spread = readonly number[] | {
  readonly n: number;
  readonly mean: number;
  readonly stddev: number;
};

/**
 * The spread of a measured figure's repetitions, worded the same everywhere the ADR cites a
 * throughput: "CV 8 %", "CV 14 % — above 10 %: flagged, not a stable figure" beyond
 * {@link SPREAD_LIMIT}, or {@link SINGLE_RUN} — so a reader sees at once which numbers the
 * repetitions agree on. Throws when there is nothing to measure a spread of.
 */
export function formatSpread(of: Spread): string {
  const n = "length" in of ? of.length : of.n;
  if (n === 0) throw new Error("formatSpread: no values");
  if (n === 1) return SINGLE_RUN;
  const cv = "length" in of ? coefficientOfVariation(of) : of.stddev / of.mean;
  if (!Number.isFinite(cv)) throw new Error(`formatSpread: no coefficient of variation (${cv})`);
  const flagged = cv > SPREAD_LIMIT;
  // A flagged CV that rounds to the limit keeps a decimal, lest it read "CV 10 % — above 10 %".
  const shown = formatPercent(cv, flagged && Math.round(cv * 100) <= SPREAD_LIMIT * 100 ? 1 : 0);
  const flag = ` — above ${formatPercent(SPREAD_LIMIT, 0)}: flagged, not a stable figure`;
  return `CV ${shown}${flagged ? flag : ""}`;
}

/**
 * A summarised measurement as the ADR cites it: the mean, its 95 % interval when the
 * repetitions give one ("12 ms (95 % CI 10 ms–14 ms)"), and for a rate the repetitions'
 * spread as well ("…; CV 8 %)"), each value formatted by `f` — one wording for every figure set.
 */
export function formatMean(
  s: Summary,
  f: (v: number) => string,
  options: { spread?: boolean } = {},
): string {
  const parts = Number.isNaN(s.ciHalfWidth) ? [] : [`95 % CI ${f(s.ciLow)}–${f(s.ciHigh)}`];
  if (options.spread) parts.push(formatSpread(s));
  return parts.length ? `${f(s.mean)} (${parts.join("; ")})` : f(s.mean);
}

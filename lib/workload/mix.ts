/**
 * Operation mixes: a weighted choice of operation names, e.g. `{ checkout: 0.2, orderStatus:
 * 0.8 }`, drawn with a seeded generator so that a run's sequence of operations is
 * reproducible. Weights need not sum to 1; they are normalised.
 *
 * @module
 */

import type { Rng } from "./rng.ts";

/** A validated, normalised operation mix. */
export interface OperationMix<N extends string = string> {
  /** Operation names in declaration order. */
  readonly names: readonly N[];
  /** Normalised weights (sum to 1), aligned with `names`. */
  readonly weights: readonly number[];
  /** Draws one operation name. */
  pick(rng: Rng): N;
}

/**
 * Builds a mix from non-negative finite weights with a positive sum. Throws a one-line error
 * naming the offending entry otherwise.
 */
export function createMix<N extends string>(weights: Record<N, number>): OperationMix<N> {
  const names = Object.keys(weights) as N[];
  if (names.length === 0) throw new Error("createMix: the mix has no operations");
  let sum = 0;
  for (const name of names) {
    const w = weights[name];
    if (typeof w !== "number" || !Number.isFinite(w) || w < 0) {
      throw new Error(`createMix: weight of "${name}" must be a finite number >= 0, got ${w}`);
    }
    sum += w;
  }
  if (sum <= 0) throw new Error("createMix: weights sum to 0");
  const norm = names.map((n) => weights[n] / sum);
  const cum = new Float64Array(names.length);
  let acc = 0;
  for (let i = 0; i < names.length; i++) cum[i] = acc += norm[i];
  // Guard against rounding: everything from the last positive weight on is exactly 1, so a
  // zero-weight operation can never be drawn.
  let last = names.length - 1;
  while (norm[last] === 0) last--;
  for (let i = last; i < names.length; i++) cum[i] = 1;
  return {
    names,
    weights: norm,
    pick(rng: Rng): N {
      const u = rng.next();
      for (let i = 0; i < cum.length; i++) if (u < cum[i]) return names[i];
      return names[names.length - 1];
    },
  };
}

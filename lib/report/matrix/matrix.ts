/**
 * The decision matrix: every option of a decision scored on every criterion (1–5), each score
 * either **measured** — computed from data/ by a stated rule — or a **judgement**, allowed only
 * with its reason and always marked as such; weighted totals; and a sensitivity analysis: per
 * criterion, how far its weight must move (the others unchanged) before another option's total
 * overtakes the winner's.
 *
 * @module
 */

import type { FigureData } from "../../results/figure.ts";
import { CRITERIA, type Criterion, type Weights, weightsOf } from "./weights.ts";

/** One option's score on one criterion. */
export interface Score {
  option: string;
  criterion: Criterion;
  /** 1 (poor) … 5 (best). */
  score: number;
  /** Measured from data/ by `rule`, or a judgement with its reason in `rule`. */
  basis: "measured" | "judgement";
  /** How the score was computed, or why it was judged so. */
  rule: string;
}

/** One decision of the record, as the matrix scores it. */
export interface DecisionSpec {
  /** D1 … D9. */
  id: string;
  title: string;
  /** The options, as the record names them. */
  options: readonly string[];
  /** Every option × criterion score, from the committed data. */
  scores(data: FigureData): Promise<Score[]>;
}

/** A scored decision: its scores, weights, totals, winner and sensitivity. */
export interface ScoredDecision {
  id: string;
  title: string;
  weights: Weights;
  scores: Score[];
  /** Weighted mean score per option, best first. */
  totals: { option: string; total: number }[];
  winner: string;
  /** The smallest weight change per criterion that makes another option win, if any can. */
  flips: Flip[];
}

/** A weight change that flips a decision. */
export interface Flip {
  criterion: Criterion;
  /** The option that would win instead. */
  challenger: string;
  /** The weight now and the weight at which the challenger ties the winner. */
  from: number;
  to: number;
}

/** A score from a ratio to the best option: 1 + 4 × ratio (ratio 1 → 5, → 0 → 1). */
export function ratioScore(ratio: number): number {
  if (!Number.isFinite(ratio) || ratio < 0) throw new Error(`ratio must be >= 0, got ${ratio}`);
  return Math.round((1 + 4 * Math.min(1, ratio)) * 10) / 10;
}

/** A score computed from committed data by the stated rule. */
export const measured = (
  option: string,
  criterion: Criterion,
  score: number,
  rule: string,
): Score => ({
  option,
  criterion,
  score,
  basis: "measured",
  rule,
});

/** A judgement score, allowed only with its reason (no measurement exists). */
export const judged = (
  option: string,
  criterion: Criterion,
  score: number,
  why: string,
): Score => ({
  option,
  criterion,
  score,
  basis: "judgement",
  rule: why,
});

/** A score from a share of bad outcomes: 5 at none, 1 at `worst` or more, linear between. */
export function shareScore(share: number, worst: number): number {
  if (!Number.isFinite(share) || share < 0) throw new Error(`share must be >= 0, got ${share}`);
  return Math.round((5 - 4 * Math.min(1, share / worst)) * 10) / 10;
}

/** The weighted mean score of an option. */
export function totalOf(scores: readonly Score[], option: string, weights: Weights): number {
  let sum = 0, weight = 0;
  for (const c of CRITERIA) {
    const s = scores.find((x) => x.option === option && x.criterion === c);
    if (!s) continue;
    sum += weights[c] * s.score;
    weight += weights[c];
  }
  return weight > 0 ? sum / weight : 0;
}

/** Checks that every option has exactly one score per criterion, in range. */
function validate(spec: DecisionSpec, scores: readonly Score[]) {
  for (const o of spec.options) {
    for (const c of CRITERIA) {
      const n = scores.filter((s) => s.option === o && s.criterion === c).length;
      if (n !== 1) throw new Error(`${spec.id}: ${o} has ${n} scores on ${c} (want exactly 1)`);
    }
  }
  for (const s of scores) {
    if (!spec.options.includes(s.option)) throw new Error(`${spec.id}: unknown option ${s.option}`);
    if (!(s.score >= 1 && s.score <= 5)) {
      throw new Error(`${spec.id}: ${s.option}/${s.criterion} score ${s.score} outside 1–5`);
    }
    if (!s.rule.trim()) throw new Error(`${spec.id}: ${s.option}/${s.criterion} has no rule`);
  }
}

/**
 * The weight of `criterion` at which `challenger` ties `winner` (others fixed), or undefined
 * when no non-negative weight of it can make the challenger win.
 */
export function flipWeight(
  scores: readonly Score[],
  weights: Weights,
  winner: string,
  challenger: string,
  criterion: Criterion,
): number | undefined {
  // Σ w_c (s_W − s_C) over c ≠ k, plus w_k (s_W − s_C) at k: the tie is where that is 0.
  const diff = (c: Criterion) =>
    (scores.find((s) => s.option === winner && s.criterion === c)?.score ?? 0) -
    (scores.find((s) => s.option === challenger && s.criterion === c)?.score ?? 0);
  const rest = CRITERIA.filter((c) => c !== criterion).reduce(
    (a, c) => a + weights[c] * diff(c),
    0,
  );
  const dk = diff(criterion);
  if (dk >= 0) return undefined; // more weight on k only helps the winner
  const w = -rest / dk;
  return w >= 0 ? w : undefined;
}

/** Score a decision: totals, winner and the smallest flip per criterion. */
export async function scoreDecision(spec: DecisionSpec, data: FigureData): Promise<ScoredDecision> {
  const weights = weightsOf(spec.id);
  const scores = await spec.scores(data);
  validate(spec, scores);
  const totals = spec.options.map((option) => ({ option, total: totalOf(scores, option, weights) }))
    .sort((a, b) => b.total - a.total);
  const winner = totals[0].option;
  const flips: Flip[] = [];
  for (const criterion of CRITERIA) {
    let best: Flip | undefined;
    for (const challenger of spec.options.filter((o) => o !== winner)) {
      const to = flipWeight(scores, weights, winner, challenger, criterion);
      if (to === undefined) continue;
      const flip = { criterion, challenger, from: weights[criterion], to };
      if (!best || Math.abs(flip.to - flip.from) < Math.abs(best.to - best.from)) best = flip;
    }
    if (best) flips.push(best);
  }
  return { id: spec.id, title: spec.title, weights, scores, totals, winner, flips };
}

/** The flip that needs the smallest change of any weight, or undefined when none exists. */
export function closestFlip(d: ScoredDecision): Flip | undefined {
  return [...d.flips].sort((a, b) => Math.abs(a.to - a.from) - Math.abs(b.to - b.from))[0];
}

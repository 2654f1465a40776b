/**
 * The weights of the decision matrix — the one place where preference, not measurement,
 * enters the record. Every decision scores its options on the same criteria (the brief's five,
 * plus licence and cost where it separates options); a decision may weigh them differently
 * (an analytics store is chosen for speed at scale more than for transactional consistency),
 * and says so here. The sensitivity analysis then shows how far a weight must move before a
 * choice flips.
 *
 * @module
 */

/** The criteria every option is scored on (1 = poor … 5 = best). */
export const CRITERIA = [
  "consistency",
  "performance",
  "scalability",
  "reliability",
  "operations",
  "cost",
] as const;

/** A criterion of the matrix. */
export type Criterion = typeof CRITERIA[number];

/** What each criterion means when it is scored. */
export const CRITERION_MEANING: Readonly<Record<Criterion, string>> = {
  consistency: "the guarantees the data domain needs hold, as measured by the checkers",
  performance: "throughput and latency of the deciding workload, relative to the best option",
  scalability: "how far it grows with data and load (measured growth, or its architecture)",
  reliability: "durability and availability: data lost or time unavailable under faults",
  operations: "operational complexity for a small team: processes, tooling, failure modes",
  cost: "licence and cost of running it",
};

/** Weights per criterion; they need not sum to 1 (totals are normalised). */
export type Weights = Readonly<Record<Criterion, number>>;

/** The default weights: correctness and speed first, then reliability, then the rest. */
export const DEFAULT_WEIGHTS: Weights = {
  consistency: 0.25,
  performance: 0.25,
  scalability: 0.15,
  reliability: 0.2,
  operations: 0.1,
  cost: 0.05,
};

/** Per-decision weights where a decision's purpose shifts the balance, with the reason. */
export const DECISION_WEIGHTS: Readonly<Record<string, { weights: Weights; why: string }>> = {
  D2: {
    weights: { ...DEFAULT_WEIGHTS, consistency: 0.15, performance: 0.3, reliability: 0.2 },
    why: "a cache serves advisory copies (money and stock are read from the database), so " +
      "staleness weighs less than hit ratio and speed",
  },
  D3: {
    weights: { ...DEFAULT_WEIGHTS, consistency: 0.1, performance: 0.35, scalability: 0.25 },
    why: "analytics are read-only copies of orders; speed over a growing history decides",
  },
};

/** The weights of a decision. */
export function weightsOf(decision: string): Weights {
  return DECISION_WEIGHTS[decision]?.weights ?? DEFAULT_WEIGHTS;
}

/**
 * The matrix of D6, the shard key for orders: scored from data/sharding_shards.csv (experiment
 * 06), where the same Zipf-skewed request mix ran on 4 PostgreSQL shards under each key and
 * every shard counted its own statements.
 *
 * @module
 */

import type { FigureData } from "../../results/figure.ts";
import { measured as measuredAt, model } from "../../experiments/sharding/summary.ts";
import { type DecisionSpec, judged, measured, ratioScore, type Score } from "./matrix.ts";

/** Shard keys as the record names them, and as the experiment's `key` column holds them. */
const KEYS = [["customer", "customer"], ["order id", "order_id"], ["region", "region"]] as const;

/** The shard count the measured comparison ran at, and the one the model extends it to. */
const SHARDS = 4;
const PROJECTED = 16;
const SKEW = 0.99;

/** D6: which key shards the orders. */
export const d6: DecisionSpec = {
  id: "D6",
  title: "Shard key for orders",
  options: KEYS.map(([option]) => option),
  async scores(d: FigureData) {
    const rows = await d.rows("sharding_shards.csv");
    const fanout = (key: string) => measuredAt(rows, "queries_per_request", key, SHARDS);
    const p99 = (key: string) => measuredAt(rows, "latency_p99", key, SHARDS);
    const speedup = (key: string) => model(rows, "speedup", key, SKEW, PROJECTED);
    const fewest = Math.min(...KEYS.map(([, k]) => fanout(k)));
    const fastest = Math.min(...KEYS.map(([, k]) => p99(k)));
    const widest = Math.max(...KEYS.map(([, k]) => speedup(k)));
    const scores: Score[] = [];
    for (const [option, key] of KEYS) {
      scores.push(
        measured(
          option,
          "consistency",
          ratioScore(fewest / fanout(key)),
          `1 + 4 × fewest shards per request / this key's (${fanout(key).toFixed(2)} at ` +
            `${SHARDS} shards): a request on one shard commits locally, one across shards ` +
            "needs two-phase commit or a saga",
        ),
        measured(
          option,
          "performance",
          ratioScore(fastest / p99(key)),
          `1 + 4 × lowest p99 / this key's (${p99(key).toFixed(2)} ms at ${SHARDS} shards)`,
        ),
        measured(
          option,
          "scalability",
          ratioScore(speedup(key) / widest),
          `1 + 4 × modelled speed-up at ${PROJECTED} shards (Zipf s = ${SKEW}) / the best ` +
            `key's (${speedup(key).toFixed(1)}×; the busiest shard saturates first)`,
        ),
        judged(
          option,
          "reliability",
          3,
          "the key does not change durability: every shard is replicated as D4 decides",
        ),
      );
    }
    scores.push(
      judged("customer", "operations", 4, "hash of a key every request carries; no directory"),
      judged(
        "order id",
        "operations",
        3,
        "hash of the order id; a customer's order list needs a secondary index or fan-out",
      ),
      judged(
        "region",
        "operations",
        2,
        "a directory of regions to shards to keep and rebalance by hand as regions grow",
      ),
    );
    for (const [option] of KEYS) {
      scores.push(judged(option, "cost", 3, "same servers whichever key is chosen"));
    }
    return scores;
  },
};

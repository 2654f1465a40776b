/**
 * How a shard key spreads load, computed exactly from the workload's probabilities (no
 * sampling), and what that implies for scale-out.
 *
 * The workload: requests come from customers with Zipf-skewed activity; each request is one
 * of `place_order` (insert the customer's new order), `order_by_id` (read one of the
 * customer's orders by its id) or `list_orders` (the customer's recent orders). Three shard
 * keys for the orders table:
 *
 * - `customer` — `hashint4(customer_id) mod n`: every request touches one shard, but a hot
 *   customer's whole load lands on one shard;
 * - `order_id` — `hashint4(order_id) mod n`: orders spread evenly whoever places them, but
 *   `list_orders` no longer knows its shard and goes to all n;
 * - `region` — a directory assigning each region (the customer's country) to a shard, packed
 *   greedily by the regions' request weights (the best a directory can do): one shard per
 *   request, but a region's load cannot be split.
 *
 * The busiest shard saturates first, so with per-shard capacity C (shard-queries/s) the
 * cluster serves at most `C / (q × busiest)` requests/s, where q is shard-queries per request:
 * {@link speedup} states that derivation.
 *
 * @module
 */

import { hashint4Unsigned } from "./pghash.ts";

/** The shard keys compared. */
export const SHARD_KEYS = ["customer", "order_id", "region"] as const;

/** A shard key's name. */
export type ShardKey = typeof SHARD_KEYS[number];

/** Shares of the three request types (they sum to 1). */
export interface RequestMix {
  place_order: number;
  order_by_id: number;
  list_orders: number;
}

/** The mix the experiment runs: 30 % writes, 40 % point reads, 30 % history listings. */
export const DEFAULT_MIX: Readonly<RequestMix> = Object.freeze({
  place_order: 0.3,
  order_by_id: 0.4,
  list_orders: 0.3,
});

/** The workload a load model is computed for. */
export interface Workload {
  /** Request probability of each customer: `weights[i]` for customer id i + 1; sums to 1. */
  weights: ArrayLike<number>;
  /** Region (country) of customer id `id`. */
  regionOf(id: number): string;
  mix: RequestMix;
}

/** How one shard key spreads a workload over n shards. */
export interface ShardLoad {
  key: ShardKey;
  shards: number;
  /** Share of all shard-queries each shard receives (sums to 1). */
  shares: number[];
  /** The largest share. */
  busiest: number;
  /** busiest × n: 1 is perfectly even, n means one shard takes everything. */
  imbalance: number;
  /** Share of requests that touch a single shard. */
  singleShard: number;
  /** Shard-queries per request (1 when every request knows its shard). */
  queriesPerRequest: number;
}

/**
 * A region → shard directory: regions in descending weight, each to the least-loaded shard so
 * far (longest-processing-time packing). Deterministic: ties go to the lower shard index and,
 * among regions of equal weight, to the region name's order.
 */
export function regionDirectory(
  regionWeights: ReadonlyMap<string, number>,
  n: number,
): Map<string, number> {
  const load = new Array(n).fill(0);
  const out = new Map<string, number>();
  const regions = [...regionWeights].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  for (const [region, w] of regions) {
    let best = 0;
    for (let j = 1; j < n; j++) if (load[j] < load[best]) best = j;
    load[best] += w;
    out.set(region, best);
  }
  return out;
}

/** Request weight of each region under a workload. */
export function regionWeights(w: Workload): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < w.weights.length; i++) {
    const r = w.regionOf(i + 1);
    out.set(r, (out.get(r) ?? 0) + w.weights[i]);
  }
  return out;
}

function validateMix(mix: RequestMix) {
  const sum = mix.place_order + mix.order_by_id + mix.list_orders;
  if (Math.abs(sum - 1) > 1e-9 || Object.values(mix).some((v) => v < 0)) {
    throw new Error(
      `request mix must be non-negative shares summing to 1, got ${JSON.stringify(mix)}`,
    );
  }
}

/** The exact load a shard key puts on each of `n` shards. */
export function expectedLoad(key: ShardKey, n: number, w: Workload): ShardLoad {
  if (!Number.isInteger(n) || n < 1) throw new Error(`shards must be a positive integer, got ${n}`);
  validateMix(w.mix);
  const shares = new Array(n).fill(0);
  let q = 1;
  let singleShard = 1;
  if (key === "customer") {
    for (let i = 0; i < w.weights.length; i++) shares[hashint4Unsigned(i + 1) % n] += w.weights[i];
  } else if (key === "region") {
    const weights = regionWeights(w);
    const dir = regionDirectory(weights, n);
    for (const [r, wr] of weights) shares[dir.get(r)!] += wr;
  } else {
    // Point requests land on the shard of an order id: hashed ids spread them evenly. A
    // listing goes to every shard (n shard-queries for one request).
    const list = n === 1 ? 0 : w.mix.list_orders;
    q = 1 - list + list * n;
    singleShard = 1 - list;
    for (let j = 0; j < n; j++) shares[j] = ((1 - list) / n + list) / q;
  }
  const total = shares.reduce((a, b) => a + b, 0);
  const norm = shares.map((s) => s / total);
  const busiest = Math.max(...norm);
  return {
    key,
    shards: n,
    shares: norm,
    busiest,
    imbalance: busiest * n,
    singleShard,
    queriesPerRequest: q,
  };
}

/**
 * Requests/s the cluster can serve relative to one shard holding everything: with per-shard
 * capacity C shard-queries/s, the busiest shard receives `R × q × busiest` of them, so
 * `R ≤ C / (q × busiest)`; one shard serves `C` requests/s (q = 1, busiest = 1).
 */
export function speedup(load: Pick<ShardLoad, "busiest" | "queriesPerRequest">): number {
  return 1 / (load.queriesPerRequest * load.busiest);
}

/** Zipf(s) probabilities over ranks 1..n (customer id = rank, as lib/workload draws them). */
export function zipfWeights(n: number, s: number): Float64Array {
  const out = new Float64Array(n);
  let total = 0;
  for (let k = 1; k <= n; k++) total += out[k - 1] = 1 / Math.pow(k, s);
  for (let i = 0; i < n; i++) out[i] /= total;
  return out;
}

/** Shares and busiest share of measured per-shard counts (e.g. shard-queries per shard). */
export function measuredShares(counts: readonly number[]): { shares: number[]; busiest: number } {
  const total = counts.reduce((a, b) => a + b, 0);
  const shares = counts.map((c) => (total ? c / total : 0));
  return { shares, busiest: Math.max(...shares) };
}

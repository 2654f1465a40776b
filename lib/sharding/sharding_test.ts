// The pure sharding code: PostgreSQL's hash reproduced bit for bit, Redis's key slots, the four
// placement schemes (even spread, keys moved on a join), the router and the exact load model.

import assert from "node:assert/strict";
import { hashint4 } from "./pghash.ts";
import { jumpHash, nodeNames, nodeShares, placement, rebalance, SCHEMES } from "./placement.ts";
import { mergeTopN, ShardRouter, sumCounts } from "./router.ts";
import {
  DEFAULT_MIX,
  expectedLoad,
  measuredShares,
  regionDirectory,
  speedup,
  type Workload,
  zipfWeights,
} from "./skew.ts";
import { keySlot } from "../engines/redis-cluster/client.ts";

Deno.test("hashint4 equals PostgreSQL 15's answers", () => {
  // SELECT k, hashint4(k) on PostgreSQL 15.20.
  const expected: [number, number][] = [
    [0, -272711505],
    [1, -1905060026],
    [2, 1134484726],
    [3, -28094569],
    [42, 1509752520],
    [1000, -840720108],
    [20000, -863179081],
    [-1, 385747274],
    [-2147483648, -1524351049],
    [2147483647, -96758253],
    [123456789, 524883300],
  ];
  for (const [k, h] of expected) assert.equal(hashint4(k), h, `hashint4(${k})`);
  assert.throws(() => hashint4(2 ** 31), /not a 32-bit integer/);
});

Deno.test("keySlot equals Redis's CLUSTER KEYSLOT, hash tags included", () => {
  assert.equal(keySlot("foo"), 12182);
  assert.equal(keySlot("user1000"), 3443);
  assert.equal(keySlot("{user1000}:cart"), 3443);
  assert.equal(keySlot("{user1000}:session"), keySlot("{user1000}:cart"));
  assert.equal(keySlot("{}foo"), keySlot("{}foo")); // an empty tag hashes the whole key
  assert.notEqual(keySlot("{}foo"), keySlot(""));
});

const KEYS = Array.from({ length: 20_000 }, (_, i) => `key:${i}`);

Deno.test("every scheme spreads keys evenly over nodes", () => {
  for (const scheme of SCHEMES) {
    const shares = nodeShares(placement(scheme, nodeNames(4)), KEYS);
    assert.equal(shares.length, 4);
    assert.ok(Math.abs(shares.reduce((a, b) => a + b) - 1) < 1e-9);
    // ketama's 160 points per node leave a few % of imbalance; the others are within noise.
    const tolerance = scheme === "ketama" ? 0.06 : 0.02;
    for (const s of shares) assert.ok(Math.abs(s - 0.25) < tolerance, `${scheme}: ${shares}`);
  }
});

Deno.test("a joining node moves n/(n+1) of the keys under modulo, ~1/(n+1) under the others", () => {
  const before = nodeNames(4);
  const after = nodeNames(5);
  const modulo = rebalance("modulo", before, after, KEYS);
  assert.ok(Math.abs(modulo.movedShare - 0.8) < 0.02, `modulo moved ${modulo.movedShare}`);
  assert.ok(modulo.movedBetweenOld > 0.5 * KEYS.length);
  for (const scheme of ["ketama", "jump", "rendezvous"] as const) {
    const r = rebalance(scheme, before, after, KEYS);
    assert.equal(r.minimalShare, 0.2);
    assert.ok(Math.abs(r.movedShare - 0.2) < 0.05, `${scheme} moved ${r.movedShare}`);
    assert.equal(r.movedBetweenOld, 0, `${scheme} moves keys only to the new node`);
  }
  assert.deepEqual(rebalance("jump", before, before, KEYS).moved, 0);
});

Deno.test("jump hash keeps every key in its bucket or moves it to the new one", () => {
  // Keys that stay in bucket 0 for one bucket, and a key's bucket only changes to the new one.
  assert.equal(jumpHash(123456789n, 1), 0);
  for (let k = 0n; k < 500n; k++) {
    const a = jumpHash(k * 7919n, 10);
    const b = jumpHash(k * 7919n, 11);
    assert.ok(a >= 0 && a < 10);
    assert.ok(b === a || b === 10);
  }
});

Deno.test("the router sends a key to one shard, fans out to all, and counts both", async () => {
  const router = new ShardRouter(["a", "b", "c", "d"]);
  const seen = await router.one(42, (s, i) => Promise.resolve(`${s}${i}`));
  assert.equal(seen, `${"abcd"[router.shardOf(42)]}${router.shardOf(42)}`);
  const all = await router.all((s) => Promise.resolve(s.toUpperCase()));
  assert.deepEqual(all, ["A", "B", "C", "D"]);
  assert.equal(router.single, 1);
  assert.equal(router.scattered, 1);
  assert.equal(router.sent.reduce((a, b) => a + b), 5);
  const parts = router.partition([1, 2, 3, 4, 5, 6, 7, 8], (x) => x);
  assert.equal(parts.flat().length, 8);
  parts.forEach((p, i) => p.forEach((k) => assert.equal(router.shardOf(k), i)));
  router.resetCounts();
  assert.deepEqual(router.sent, [0, 0, 0, 0]);
  assert.throws(() => new ShardRouter([]), /at least one shard/);
  assert.throws(() => new ShardRouter(["x"], () => 3).shardOf(1), /mapped to shard 3/);
  assert.deepEqual(mergeTopN([[9, 5, 1], [8, 7], []], 3, (a, b) => b - a), [9, 8, 7]);
  assert.deepEqual(sumCounts([{ a: 1, b: 2 }, { a: 3 }]), { a: 4, b: 2 });
});

const workload = (s: number): Workload => ({
  weights: zipfWeights(1000, s),
  regionOf: (id) => ["DE", "FR", "GB", "IT"][id % 4],
  mix: DEFAULT_MIX,
});

Deno.test("load model: customer key concentrates a hot customer, order id spreads and scatters", () => {
  const skewed = expectedLoad("customer", 4, workload(1.2));
  assert.ok(Math.abs(skewed.shares.reduce((a, b) => a + b) - 1) < 1e-9);
  // The hottest customer alone takes a fifth of all requests at s = 1.2, and its shard more.
  const top = zipfWeights(1000, 1.2)[0];
  assert.ok(top > 0.2, `top customer ${top}`);
  assert.ok(skewed.busiest > top + (1 - top) / 4 - 0.05, `busiest ${skewed.busiest}`);
  assert.equal(skewed.singleShard, 1);
  const uniform = expectedLoad("customer", 4, workload(0));
  assert.ok(uniform.imbalance < 1.1, `uniform imbalance ${uniform.imbalance}`);
  const byOrder = expectedLoad("order_id", 4, workload(1.2));
  assert.equal(byOrder.imbalance, 1);
  assert.ok(Math.abs(byOrder.queriesPerRequest - (0.7 + 0.3 * 4)) < 1e-12);
  assert.equal(byOrder.singleShard, 0.7);
  assert.equal(expectedLoad("order_id", 1, workload(1.2)).queriesPerRequest, 1);
  const region = expectedLoad("region", 8, workload(0));
  // Four equal regions on eight shards: four shards idle, the busiest holds a quarter.
  assert.ok(Math.abs(region.busiest - 0.25) < 0.01);
  assert.equal(region.shares.filter((x) => x === 0).length, 4);
  assert.ok(Math.abs(speedup(region) - 4) < 0.2);
  assert.equal(speedup({ busiest: 1, queriesPerRequest: 1 }), 1);
  assert.throws(
    () =>
      expectedLoad("customer", 2, { ...workload(1), mix: { ...DEFAULT_MIX, list_orders: 0.5 } }),
    /summing to 1/,
  );
});

Deno.test("region directory packs the heaviest regions apart; measured shares normalise counts", () => {
  const dir = regionDirectory(new Map([["DE", 0.4], ["FR", 0.3], ["GB", 0.2], ["IT", 0.1]]), 2);
  assert.deepEqual([...dir], [["DE", 0], ["FR", 1], ["GB", 1], ["IT", 0]]);
  assert.deepEqual(measuredShares([1, 3]), { shares: [0.25, 0.75], busiest: 0.75 });
  assert.deepEqual(measuredShares([0, 0]).busiest, 0);
});

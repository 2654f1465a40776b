/**
 * The request mix of lib/sharding/skew.ts run through the router (rows `part=skew_measured`
 * of sharding_shards): one layout per shard key on the largest shard count, every shard's
 * share counted by the shard's own statistics (and by the router, to check they agree); and
 * the mix on one shard, whose throughput is the per-shard capacity the scale-out derivation
 * starts from.
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import { sleep } from "../../engines/runtime/net.ts";
import { runClosedLoop } from "../../load/run.ts";
import type { ShardRouter } from "../../sharding/router.ts";
import {
  DEFAULT_MIX,
  expectedLoad,
  measuredShares,
  SHARD_KEYS,
  type ShardKey,
  type Workload,
  zipfWeights,
} from "../../sharding/skew.ts";
import { createMix } from "../../workload/mix.ts";
import type { Rng } from "../../workload/rng.ts";
import { createZipf, type Zipf } from "../../workload/zipf.ts";
import { loadTicks } from "../experiment.ts";
import { runIdentity } from "../params.ts";
import type { OrderRow, ShardAdmin, ShardingBinding, ShardSession } from "./binding.ts";
import { type ShardingRun, SHARDS } from "./context.ts";
import {
  closeAll,
  engineConfig,
  load,
  routing,
  sessionsFor,
  type ShardData,
} from "./shard_common.ts";

/** The request mix through a router: returns the op of a closed loop. */
function mixOp(
  key: ShardKey,
  router: ShardRouter<number>,
  sessions: ShardSession[][],
  data: ShardData,
  zipf: Zipf,
) {
  const mix = createMix(DEFAULT_MIX);
  let nextId = data.orders.length + 1;
  return async (
    worker: number,
    rng: Rng,
    ctx: { name: string | undefined },
  ) => {
    const customer = zipf.sample(rng);
    const own = data.byCustomer.get(customer);
    let kind = mix.pick(rng);
    if (kind === "order_by_id" && !own) kind = "list_orders";
    ctx.name = kind;
    const s = sessions[worker];
    const byCustomer = key !== "order_id";
    if (kind === "place_order") {
      const o: OrderRow = {
        id: nextId++,
        customer_id: customer,
        region: data.regionOf(customer),
        status: "pending",
        total_cents: rng.int(500, 50_000),
        created_at: Date.UTC(2026, 1, 1) + rng.int(0, 86_400_000),
      };
      await router.one(byCustomer ? customer : o.id, (i) => s[i].placeOrder(o));
    } else if (kind === "order_by_id") {
      const id = own![rng.int(0, own!.length - 1)];
      await router.one(byCustomer ? customer : id, (i) => s[i].orderById(id));
    } else if (byCustomer) {
      await router.one(customer, (i) => s[i].listOrders(customer));
    } else {
      await router.all((i) => s[i].listOrders(customer));
    }
  };
}

/** Engine-side counts of the window: poll until every shard's statistics caught up. */
async function engineCounts(
  admins: ShardAdmin[],
  before: number[],
  expected: number,
): Promise<number[]> {
  let counts: number[] = [];
  for (let i = 0; i < 50; i++) {
    counts = (await Promise.all(admins.map((a) => a.counters()))).map((c, j) =>
      c.orderQueries - before[j]
    );
    if (counts.reduce((a, b) => a + b, 0) >= expected) break;
    await sleep(100);
  }
  return counts;
}

export async function skewRuns(
  ctx: ShardingRun,
  binding: ShardingBinding,
  engines: Engine[],
  admins: ShardAdmin[],
  data: ShardData,
) {
  const { config, progress } = ctx;
  const s = config.shards;
  const n = Math.max(...s.counts);
  const zipf = createZipf(data.customers, s.measuredSkew);
  const w: Workload = {
    weights: zipfWeights(data.customers, s.measuredSkew),
    regionOf: data.regionOf,
    mix: DEFAULT_MIX,
  };
  const layouts: [ShardKey, number][] = [...SHARD_KEYS.map((k) => [k, n] as [ShardKey, number]), [
    "customer",
    1,
  ]];
  for (const [key, shards] of layouts) {
    progress.step(`${binding.name} request mix, shard key ${key}, ${shards} shard(s)`);
    const used = admins.slice(0, shards);
    const { router, placeBy } = routing(key, shards, w);
    await load(used, data, placeBy, router);
    router.resetCounts();
    const before = (await Promise.all(used.map((a) => a.counters()))).map((c) => c.orderQueries);
    const sessions = await sessionsFor(used, s.concurrency);
    const op = mixOp(key, router, sessions, data, zipf);
    const result = shards === 1
      ? await runClosedLoop({
        concurrency: s.concurrency,
        durationMs: s.durationS * 1000,
        warmupMs: 0,
        seed: config.seed,
        label: "capacity",
        progress: loadTicks(progress),
        op,
      })
      : await runClosedLoop({
        concurrency: s.concurrency,
        operations: s.skewRequests,
        seed: config.seed,
        label: `skew ${key}`,
        progress: loadTicks(progress),
        op,
      });
    await closeAll(sessions);
    const routed = router.sent.reduce((a, b) => a + b, 0);
    const counts = await engineCounts(used, before, routed);
    const m = measuredShares(counts);
    const model = expectedLoad(key, shards, w);
    const run = ctx.sets[SHARDS].run(
      runIdentity(SHARDS, config, engines[0], engineConfig(engines[0], shards), 0, {
        part: "skew_measured",
        key,
        skew: s.measuredSkew,
        shards,
        clients: s.concurrency,
      }),
    );
    run.addLoad(result);
    run.add("busiest_share", m.busiest, "ratio")
      .add("imbalance", m.busiest * shards, "ratio")
      .add("model_busiest_share", model.busiest, "ratio")
      .add("requests", result.ops, "count")
      .add("shard_queries", counts.reduce((a, b) => a + b, 0), "count")
      .add("shard_queries_routed", routed, "count")
      .add(
        "queries_per_request",
        result.ops ? counts.reduce((a, b) => a + b, 0) / (result.ops + result.errors) : 0,
        "count",
      )
      .add(
        "single_shard_share",
        (router.single) / Math.max(1, router.single + router.scattered),
        "ratio",
      );
    m.shares.forEach((share, i) => run.add("shard_share", share, "ratio", { shard: i }));
    run.end();
    progress.log(
      `${binding.name} key ${key} on ${shards} shard(s): busiest shard ${
        (100 * m.busiest).toFixed(1)
      } % ` +
        `(model ${(100 * model.busiest).toFixed(1)} %), ${result.throughput.toFixed(0)} requests/s`,
    );
  }
}

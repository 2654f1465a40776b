/**
 * Part 2, hash sharding of orders across 1, 2 and 4 servers (table sharding_shards), the
 * router in the harness (lib/sharding/router.ts) and, where the binding has one, a
 * database-side proxy (PL/Proxy). Rows per `part`:
 *
 * - `latency`: a customer's recent orders (single shard) and the latest orders of the whole
 *   shop (scatter-gather to every shard, merged) per shard count and path;
 * - `skew_model`: the exact load model of lib/sharding/skew.ts per shard key, skew and shard
 *   count (engine `model`);
 * - `skew_measured`: the request mix run through the router on the largest shard count, one
 *   layout per shard key, each shard's share counted by the shard itself; and the mix on one
 *   shard, whose throughput is the per-shard capacity the scale-out derivation starts from;
 * - `transfer` (./transfers_part.ts): two-phase commit against a saga.
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import { runClosedLoop } from "../../load/run.ts";
import {
  DEFAULT_MIX,
  expectedLoad,
  SHARD_KEYS,
  speedup,
  type Workload,
  zipfWeights,
} from "../../sharding/skew.ts";
import { createCatalog } from "../../workload/generate.ts";
import { createZipf, type Zipf } from "../../workload/zipf.ts";
import { loadTicks } from "../experiment.ts";
import { runIdentity } from "../params.ts";
import type { ShardAdmin, ShardingBinding } from "./binding.ts";
import { addRow, MODEL, type ShardingRun, SHARDS, withEngines } from "./context.ts";
import {
  closeAll,
  engineConfig,
  load,
  routing,
  sessionsFor,
  type ShardData,
  shardData,
} from "./shard_common.ts";
import { skewRuns } from "./skew_part.ts";
import { transferRuns, transfersPart } from "./transfers_part.ts";

/** Steps the part reports on one binding. */
export function shardSteps(ctx: Pick<ShardingRun, "config">, binding: ShardingBinding): number {
  if (!binding.shards) return 0;
  const s = ctx.config.shards;
  return s.counts.length * ctx.config.repetitions + SHARD_KEYS.length + 1 + transferRuns(ctx);
}

/** Run part 2 on every binding with shards. */
export async function shardsPart(ctx: ShardingRun): Promise<void> {
  const s = ctx.config.shards;
  modelRows(ctx);
  for (const binding of ctx.config.bindings) {
    if (!binding.shards) continue;
    const max = Math.max(...s.counts);
    await withEngines(
      ctx,
      SHARDS,
      binding,
      max,
      binding.shards.urlsEnv,
      shardSteps(ctx, binding),
      async (engines) => {
        const admins = await Promise.all(engines.map((e) => binding.shards!.admin(e)));
        try {
          const data = shardData(ctx.config);
          await latencyRuns(ctx, binding, engines, admins, data);
          await skewRuns(ctx, binding, engines, admins, data);
          await transfersPart(ctx, binding, engines, admins);
        } finally {
          await Promise.all(admins.map((a) => a.close()));
        }
      },
    );
  }
}

/** The computed load model: every key × skew × shard count. */
function modelRows(ctx: ShardingRun) {
  const s = ctx.config.shards;
  const catalog = createCatalog(ctx.config.scale, ctx.config.seed);
  for (const skew of s.skews) {
    const w: Workload = {
      weights: zipfWeights(catalog.customers.length, skew),
      regionOf: (id) => catalog.customers[id - 1].country,
      mix: DEFAULT_MIX,
    };
    for (const key of SHARD_KEYS) {
      for (const n of s.modelShards) {
        const l = expectedLoad(key, n, w);
        addRow(ctx, SHARDS, MODEL, 0, { part: "skew_model", key, skew, shards: n }, [
          ["busiest_share", l.busiest, "ratio"],
          ["imbalance", l.imbalance, "ratio"],
          ["single_shard_share", l.singleShard, "ratio"],
          ["queries_per_request", l.queriesPerRequest, "count"],
          ["speedup", speedup(l), "ratio"],
        ], "defaults");
      }
    }
  }
}

async function latencyRuns(
  ctx: ShardingRun,
  binding: ShardingBinding,
  engines: Engine[],
  admins: ShardAdmin[],
  data: ShardData,
) {
  const { config, progress } = ctx;
  const s = config.shards;
  const zipf = createZipf(data.customers, s.measuredSkew);
  const w: Workload = { weights: [], regionOf: data.regionOf, mix: DEFAULT_MIX };
  for (const n of s.counts) {
    const { router, placeBy } = routing("customer", n, w);
    await load(admins.slice(0, n), data, placeBy, router);
    let proxy;
    let proxyFailure: string | undefined;
    if (binding.shards!.proxyOver) {
      try {
        proxy = await binding.shards!.proxyOver(engines[0], engines.slice(0, n));
      } catch (err) {
        proxyFailure = `${binding.shards!.proxy} unavailable: ${(err as Error).message}`;
      }
    }
    if (proxyFailure) {
      ctx.sets[SHARDS].run(
        runIdentity(SHARDS, config, engines[0], engineConfig(engines[0], n), 0, {
          part: "latency",
          shards: n,
          path: binding.shards!.proxy!,
        }),
      )
        .add("skipped", 1, "flag", { reason: proxyFailure }).end(0);
      progress.log(proxyFailure);
    }
    for (let rep = 0; rep < config.repetitions; rep++) {
      progress.step(`${binding.name} ${n} shard(s) single-shard and scatter-gather rep ${rep + 1}`);
      const sessions = await sessionsFor(admins.slice(0, n), s.concurrency);
      const proxied = proxy
        ? await Promise.all(Array.from({ length: s.concurrency }, () => proxy.session()))
        : [];
      try {
        const loops: [string, string, (w: number, c: number) => Promise<unknown>][] = [
          ["router", "single", (wk, c) => router.one(c, (i) => sessions[wk][i].listOrders(c))],
          ["router", "scatter", (wk) => router.all((i) => sessions[wk][i].latestOrders(10))],
        ];
        if (proxy) {
          loops.push(
            [binding.shards!.proxy!, "single", (wk, c) => proxied[wk].listOrders(c)],
            [binding.shards!.proxy!, "scatter", (wk) => proxied[wk].latestOrders(10)],
          );
        }
        for (const [path, query, op] of loops) {
          router.resetCounts();
          const result = await runLoop(
            ctx,
            zipf,
            op,
            `${binding.name} ${path} ${query} n=${n}`,
            rep,
          );
          const run = ctx.sets[SHARDS].run(
            runIdentity(SHARDS, config, engines[0], engineConfig(engines[0], n), rep, {
              part: "latency",
              shards: n,
              path,
              query,
              clients: s.concurrency,
            }),
          );
          run.addLoad(result);
          run.add("shard_queries_per_request", query === "single" ? 1 : n, "count").end();
          if (rep === 0) {
            progress.log(
              `${binding.name} ${path} ${query} on ${n} shard(s): p50 ${
                result.latency.p50.toFixed(2)
              } ms, p99 ${result.latency.p99.toFixed(2)} ms`,
            );
          }
        }
      } finally {
        await closeAll([...sessions, proxied]);
      }
    }
    await proxy?.close();
  }
}

function runLoop(
  ctx: ShardingRun,
  zipf: Zipf,
  op: (worker: number, customer: number) => Promise<unknown>,
  label: string,
  rep: number,
) {
  const s = ctx.config.shards;
  return runClosedLoop({
    concurrency: s.concurrency,
    durationMs: s.durationS * 1000,
    warmupMs: s.durationS * 200,
    seed: ctx.config.seed + rep * 7919,
    label,
    progress: loadTicks(ctx.progress),
    op: (worker, rng) => op(worker, zipf.sample(rng)),
  });
}

/**
 * Experiment 06, partitioning and sharding: how the shop's large tables and key spaces are
 * split, measured on real engines in four parts, each planned from what the bindings
 * (./bindings.ts) declare — this module names no engine:
 *
 * 1. partitioning inside one server (./partitioning_part.ts): pruning, inserts, planning as
 *    partitions grow, retention by DROP against DELETE, partition maintenance;
 * 2. hash sharding across servers (./shards_part.ts, ./transfers_part.ts): single-shard and
 *    scatter-gather cost, the busiest shard per shard key (measured and modelled), and a
 *    cross-shard transfer by two-phase commit against a saga;
 * 3. rebalancing (./rebalance_part.ts, ./reshard_part.ts): keys moved per placement scheme,
 *    computed and on a real cache pool, and a cluster resharding under writes;
 * 4. sessions and carts on a cluster against one server (./sessions_part.ts).
 *
 * On one machine every shard shares the same two cores: what is reported is what does not
 * depend on core count (partitions scanned, buffers, skew, keys moved, fan-out, errors and
 * stalls), and throughput scale-out is derived from the measured per-shard load (summary.ts).
 *
 * @module
 */

import { collectProvenance, ResultSet } from "../../results/mod.ts";
import { withBinding } from "../binding.ts";
import type { Experiment, Progress, Tables } from "../experiment.ts";
import type { ShardingBinding } from "./binding.ts";
import { type ShardingConfig, shardingConfig } from "./config.ts";
import {
  REBALANCE,
  SESSIONS,
  SHARDING_TABLES,
  type ShardingRun,
  type ShardingTable,
  skip,
} from "./context.ts";
import { partitioningPart, partitioningSteps } from "./partitioning_part.ts";
import { poolSteps, rebalancePart } from "./rebalance_part.ts";
import { reshardPart, reshardSteps } from "./reshard_part.ts";
import { sessionsPart, sessionSteps } from "./sessions_part.ts";
import { shardsPart, shardSteps } from "./shards_part.ts";

export { type ShardingConfig, shardingConfig } from "./config.ts";
export {
  PARTITIONING,
  REBALANCE,
  RESHARD_TIMELINE,
  SESSIONS,
  SHARDING_TABLES,
  SHARDS,
} from "./context.ts";

/** Progress steps of every part on one binding. */
export function plannedSteps(ctx: Pick<ShardingRun, "config">, b: ShardingBinding): number {
  return partitioningSteps(ctx, b) + shardSteps(ctx, b) + poolSteps(ctx, b) + reshardSteps(ctx, b) +
    sessionSteps(ctx, b);
}

/** The partitioning-and-sharding experiment (notebook 06). */
export const sharding: Experiment<ShardingConfig> = {
  id: "sharding",
  title: "partitioning and sharding strategies per data domain",
  notebook: "06-partitioning-sharding",
  tables: SHARDING_TABLES,
  module: import.meta.url,
  config: shardingConfig,
  run: runSharding,
};

/** Parts 3b and 4 on one engine start: the reshard and the session store. */
async function clusterParts(ctx: ShardingRun, binding: ShardingBinding) {
  const planned: [ShardingTable, number][] = [
    [REBALANCE, reshardSteps(ctx, binding)],
    [SESSIONS, sessionSteps(ctx, binding)],
  ];
  await withBinding(binding, {}, (reason) => {
    for (const [table, n] of planned) if (n > 0) skip(ctx, table, binding, n, reason);
  }, async (engine) => {
    if (binding.reshard) {
      if (engine.provider === "external") {
        // A reshard rewrites the slot map of a cluster somebody else runs: never done to it.
        skip(
          ctx,
          REBALANCE,
          binding,
          reshardSteps(ctx, binding),
          `${binding.name}: reshard skipped on an external cluster (it would move its slots)`,
        );
      } else {
        await reshardPart(ctx, binding, engine);
      }
    }
    if (binding.sessions) await sessionsPart(ctx, binding, engine);
  });
}

/** Run every part on every binding and return the tables (writes nothing). */
export async function runSharding(config: ShardingConfig, progress: Progress): Promise<Tables> {
  const provenance = await collectProvenance();
  const sets = Object.fromEntries(
    SHARDING_TABLES.map((t) => [t, new ResultSet(provenance)]),
  ) as ShardingRun["sets"];
  const ctx: ShardingRun = { config, sets, progress };
  progress.plan(config.bindings.reduce((n, b) => n + plannedSteps(ctx, b), 0));
  await partitioningPart(ctx);
  await shardsPart(ctx);
  await rebalancePart(ctx);
  for (const binding of config.bindings) {
    if (binding.reshard || binding.sessions) await clusterParts(ctx, binding);
  }
  return Object.fromEntries(SHARDING_TABLES.map((t) => [t, sets[t].rows()]));
}

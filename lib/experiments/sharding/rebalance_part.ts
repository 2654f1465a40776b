/**
 * Part 3a, a node joins a pool (table sharding_rebalance): the share of keys each placement
 * scheme moves, computed for n → n+1 nodes (`part=computed`, engine `model`), and measured on
 * a real pool of cache nodes (`part=pool`): the keys are stored on n nodes by the scheme, a
 * Zipf-distributed read load with cache-aside refill runs before the join, then every key is
 * looked up once on the n+1-node placement (the share still found is what the join did not
 * move), then windows of the same load show the hit ratio recovering. The nodes' own hit and
 * miss counters are read beside the client's.
 *
 * @module
 */

import {
  nodeNames,
  nodeShares,
  type Placement,
  placement,
  rebalance,
  SCHEMES,
} from "../../sharding/placement.ts";
import { forkRng } from "../../workload/rng.ts";
import { createZipf } from "../../workload/zipf.ts";
import type { PoolNode, ShardingBinding } from "./binding.ts";
import { addRow, MODEL, REBALANCE, type ShardingRun, withEngines } from "./context.ts";

/** Steps of the pool measurement on one binding. */
export function poolSteps(_ctx: Pick<ShardingRun, "config">, binding: ShardingBinding): number {
  return binding.pool ? SCHEMES.length : 0;
}

/** Keys moved and balance per scheme for every n → n+1 (no engine). */
function computedRows(ctx: ShardingRun) {
  const r = ctx.config.rebalance;
  const keys = Array.from({ length: r.computedKeys }, (_, i) => `item:${i}`);
  for (const scheme of SCHEMES) {
    for (const n of r.computedNodes) {
      const moved = rebalance(scheme, nodeNames(n), nodeNames(n + 1), keys);
      const shares = nodeShares(placement(scheme, nodeNames(n + 1)), keys);
      addRow(ctx, REBALANCE, MODEL, 0, { part: "computed", scheme, nodes: n }, [
        ["keys_moved_share", moved.movedShare, "ratio"],
        ["minimal_share", moved.minimalShare, "ratio"],
        ["moved_between_old_share", moved.movedBetweenOld / moved.keys, "ratio"],
        ["busiest_node_share_after", Math.max(...shares), "ratio"],
        ["imbalance_after", Math.max(...shares) * (n + 1), "ratio"],
      ], "defaults");
    }
  }
}

interface Window {
  requests: number;
  hits: number;
  engineHits: number;
  engineMisses: number;
}

/** `requests` Zipf lookups in batches, misses refilled (cache-aside), under `p`. */
async function window(
  pool: PoolNode[],
  p: Placement,
  keys: string[],
  ranks: () => number,
  requests: number,
  value: (k: string) => string,
): Promise<Window> {
  const before = await Promise.all(pool.map((n) => n.counters()));
  let hits = 0;
  for (let done = 0; done < requests; done += 100) {
    const batch = Array.from({ length: Math.min(100, requests - done) }, () => keys[ranks() - 1]);
    const byNode = pool.map(() => [] as string[]);
    for (const k of batch) byNode[p.nodeOf(k)].push(k);
    await Promise.all(byNode.map(async (ks, i) => {
      if (ks.length === 0) return;
      const got = await pool[i].getMany(ks);
      const missed = ks.filter((_, j) => got[j] === null);
      hits += ks.length - missed.length;
      if (missed.length) await pool[i].setMany([...new Set(missed)].map((k) => [k, value(k)]));
    }));
  }
  const after = await Promise.all(pool.map((n) => n.counters()));
  return {
    requests,
    hits,
    engineHits: after.reduce((s, a, i) => s + a.hits - before[i].hits, 0),
    engineMisses: after.reduce((s, a, i) => s + a.misses - before[i].misses, 0),
  };
}

/** Run part 3a: the computed rows, then every binding with a pool. */
export async function rebalancePart(ctx: ShardingRun): Promise<void> {
  computedRows(ctx);
  const r = ctx.config.rebalance;
  for (const binding of ctx.config.bindings) {
    if (!binding.pool) continue;
    await withEngines(
      ctx,
      REBALANCE,
      binding,
      r.nodes + 1,
      binding.pool.urlsEnv,
      poolSteps(ctx, binding),
      async (engines) => {
        const pool = await Promise.all(engines.map((e) => binding.pool!.node(e)));
        try {
          const names = pool.map((n) => n.name);
          for (const scheme of SCHEMES) {
            ctx.progress.step(`${binding.name} pool of ${r.nodes} + 1 nodes, ${scheme}`);
            const keys = Array.from({ length: r.keys }, (_, i) => `${scheme}:item:${i}`);
            const value = (k: string) => `${k}:`.padEnd(100, "x");
            const before = placement(scheme, names.slice(0, r.nodes));
            const after = placement(scheme, names);
            const byNode = pool.map(() => [] as [string, string][]);
            for (const k of keys) byNode[before.nodeOf(k)].push([k, value(k)]);
            await Promise.all(byNode.map((entries, i) => pool[i].setMany(entries)));
            const zipf = createZipf(r.keys, r.zipf);
            const rng = forkRng(ctx.config.seed, `pool:${scheme}`);
            const ranks = () => zipf.sample(rng);
            const windows: [string, Window][] = [[
              "before",
              await window(pool, before, keys, ranks, r.requests, value),
            ]];
            // Every key once on the new placement, without refilling: what the join kept.
            const lookups = pool.map(() => [] as string[]);
            for (const k of keys) lookups[after.nodeOf(k)].push(k);
            const found = (await Promise.all(lookups.map((ks, i) => pool[i].getMany(ks))))
              .reduce((n, got) => n + got.filter((v) => v !== null).length, 0);
            for (let w = 1; w <= r.windows; w++) {
              windows.push([
                `after_${w}`,
                await window(pool, after, keys, ranks, r.requests, value),
              ]);
            }
            const predicted = rebalance(scheme, names.slice(0, r.nodes), names, keys);
            const engine = engines[0];
            addRow(ctx, REBALANCE, engine, 0, { part: "pool", scheme, nodes: r.nodes }, [
              ["keys", r.keys, "count"],
              ["keys_found_after_join", found / r.keys, "ratio"],
              ["keys_moved_measured", 1 - found / r.keys, "ratio"],
              ["keys_moved_computed", predicted.movedShare, "ratio"],
            ]);
            for (const [name, w] of windows) {
              addRow(ctx, REBALANCE, engine, 0, {
                part: "pool",
                scheme,
                nodes: r.nodes,
                window: name,
              }, [
                ["hit_ratio", w.hits / w.requests, "ratio"],
                [
                  "hit_ratio_engine",
                  w.engineHits / Math.max(1, w.engineHits + w.engineMisses),
                  "ratio",
                ],
                ["requests", w.requests, "count"],
              ]);
            }
            ctx.progress.log(
              `${binding.name} ${scheme}: ${
                (100 * (1 - found / r.keys)).toFixed(1)
              } % of keys moved ` +
                `(computed ${(100 * predicted.movedShare).toFixed(1)} %), hit ratio ${
                  (100 * windows[0][1].hits / r.requests).toFixed(1)
                } % → ` +
                `${(100 * windows[1][1].hits / r.requests).toFixed(1)} % right after the join`,
            );
          }
        } finally {
          await Promise.all(pool.map((n) => n.close()));
        }
      },
    );
  }
}

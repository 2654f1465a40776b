/**
 * The Redis Cluster binding: slots moved between primaries while clients write (the engine's
 * reshard verb, the ioredis Cluster client following MOVED/ASK), and the clustered session
 * store. Seeds for clients are the cluster's primaries as its own topology lists them, so a
 * cluster we started and an external one (one seed URL) are used the same way.
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import {
  clusterTopology,
  connectNode,
  connectRedisCluster,
  redirectCounts,
  resetStats,
  slotCount,
} from "../../engines/redis-cluster/client.ts";
import { moveSlots } from "../../engines/redis-cluster/reshard.ts";
import { CLUSTER_SLOTS } from "../../engines/redis-cluster/client.ts";
import type { ReshardAdmin, ShardingBinding } from "./binding.ts";
import { redisSessionStore } from "./redis_sessions.ts";

const urlOf = (n: { host: string; port: number }) => ({ ...n, url: `redis://${n.host}:${n.port}` });

async function primaries(engine: Engine) {
  return (await clusterTopology(engine.primary)).filter((n) => n.role === "primary").map(urlOf);
}

function reshardAdmin(engine: Engine): Promise<ReshardAdmin> {
  return Promise.resolve({
    async primaries() {
      return (await clusterTopology(engine.primary)).filter((n) => n.role === "primary")
        .map((n) => ({ id: n.id, slots: slotCount(n) }));
    },
    moveSlots: (from, to, slots) => moveSlots(engine.primary, from, to, slots),
    async resetCounters() {
      await resetStats(await primaries(engine));
    },
    async redirects() {
      return await redirectCounts(await primaries(engine));
    },
    async covered() {
      const topo = await clusterTopology(engine.primary);
      const served = topo.filter((n) => n.role === "primary" && n.healthy).reduce(
        (s, n) => s + slotCount(n),
        0,
      );
      return served === CLUSTER_SLOTS;
    },
    async client() {
      const c = await connectRedisCluster(await primaries(engine));
      return {
        async set(key, value) {
          await c.set(key, value);
        },
        get: (key) => c.get(key),
        close() {
          c.disconnect();
          return Promise.resolve();
        },
      };
    },
    close: () => Promise.resolve(),
  });
}

/** Redis 7 Cluster: 3 primaries with a replica each. */
export const redisClusterBinding: ShardingBinding = {
  name: "redis-cluster",
  engine: "redis-cluster",
  reshard: { admin: reshardAdmin },
  sessions: {
    store: (engine) =>
      Promise.resolve(
        redisSessionStore(true, async () => connectRedisCluster(await primaries(engine)), {
          nodes: async () => Promise.all((await primaries(engine)).map((p) => connectNode(p))),
        }),
      ),
  },
};

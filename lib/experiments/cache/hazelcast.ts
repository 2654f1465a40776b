/**
 * The cache binding for Hazelcast (an IMap named `cache`, through hazelcast-client). A client
 * cannot read a map's hit/miss statistics (they live on the members, for Management Center),
 * so `hasCounters` is false and the accounting check reports "engine counters unavailable";
 * item count comes from `size()`. Hazelcast has no native provider here: this path runs when
 * Docker answers or BENCH_HAZELCAST_URL points at a member.
 *
 * @module
 */

import { connectHazelcast } from "../../engines/hazelcast/client.ts";
import type { Engine } from "../../engines/mod.ts";
import type { CacheBackend, CacheBinding, CacheClient, CacheCounters } from "./binding.ts";

const MAP = "cache";

/** A {@link CacheBackend} for a reachable Hazelcast member. */
export async function hazelcastBackend(engine: Engine): Promise<CacheBackend> {
  // One client is thread-safe and multiplexes; workers share it like they share a pool.
  const hz = await connectHazelcast(engine.primary);
  const map = await hz.getMap(MAP);
  const client: CacheClient = {
    get: async (key) => (await map.get(key)) ?? null,
    async getMany(keys) {
      const found = new Map<string, string>(await map.getAll([...keys]));
      return keys.map((k) => found.get(k) ?? null);
    },
    async set(key, value, ttlS = 0) {
      await map.set(key, value, ttlS > 0 ? ttlS * 1000 : undefined);
    },
    async setMany(entries, ttlS = 0) {
      await Promise.all(entries.map(([k, v]) => map.set(k, v, ttlS > 0 ? ttlS * 1000 : undefined)));
    },
    async del(key) {
      await map.delete(key);
    },
    close: () => Promise.resolve(),
  };
  return {
    engine,
    hasCounters: false,
    client: () => Promise.resolve(client),
    async counters(): Promise<CacheCounters> {
      return {
        hits: 0,
        misses: 0,
        evictions: 0,
        items: await map.size(),
        memoryBytes: 0,
        dataBytes: 0,
      };
    },
    resetCounters: () => Promise.resolve(),
    flush: () => map.clear(),
    async close() {
      await hz.shutdown();
    },
  };
}

/** Hazelcast through docker or an external member. */
export const hazelcastBinding: CacheBinding = {
  name: "hazelcast",
  engine: "hazelcast",
  policies: [],
  budget: {
    kind: "none",
    reason: "hazelcast: map size and eviction are member-side configuration (hazelcast.xml), " +
      "not settable from a client; hit-ratio sweep not run",
  },
  unbounded: {},
  persistence: [{ id: "none", settings: {} }],
  backend: hazelcastBackend,
};

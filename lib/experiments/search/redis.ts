/**
 * Redis as a cache of hot query results in front of a search store: the key is the query as
 * typed (words, mode, filters, sort), the value the top-k ids, kept `ttlS` seconds (a
 * product change shows in a cached query's answer at the latest after the TTL). A miss asks
 * the store and writes the answer back before replying, as a read-through cache does.
 *
 * @module
 */

import type { Redis } from "ioredis";
import { connectRedis } from "../../engines/redis/client.ts";
import { queryKey } from "../../workload/search.ts";
import type { CacheBinding, CachedStore } from "./binding.ts";

/** Redis 7, one server, no persistence, LRU within a memory cap. */
export const redisCacheBinding: CacheBinding = {
  name: "redis",
  engine: "redis",
  spec: {
    settings: {
      // A cache, not a store: bounded memory, least recently used keys evicted first.
      maxmemory: "256mb",
      "maxmemory-policy": "allkeys-lru",
    },
  },
  cache: (engine) => ({
    async wrap(store, ttlS, connections): Promise<CachedStore> {
      const clients: Redis[] = [];
      for (let i = 0; i < Math.min(connections, 8); i++) {
        clients.push(await connectRedis(engine.primary, { maxRetriesPerRequest: 1 }));
      }
      await clients[0].flushall();
      const cached: CachedStore = {
        hits: 0,
        misses: 0,
        resetCounters() {
          cached.hits = 0;
          cached.misses = 0;
        },
        async search(q, k, slot) {
          const r = clients[slot % clients.length];
          const key = `q:${k}:${queryKey(q)}`;
          const hit = await r.get(key);
          if (hit !== null) {
            cached.hits++;
            return JSON.parse(hit) as number[];
          }
          cached.misses++;
          const ids = await store.search(q, k, slot);
          await r.set(key, JSON.stringify(ids), "EX", ttlS);
          return ids;
        },
        update: (p, slot) => store.update(p, slot),
        async close() {
          for (const c of clients) c.disconnect();
          await Promise.resolve();
        },
      };
      return cached;
    },
  }),
};

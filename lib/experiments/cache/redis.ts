/**
 * The cache binding for Redis (ioredis): GET/MGET, SET with EX, pipelined sets, DEL; counters
 * from INFO (keyspace_hits/misses, evicted_keys, used_memory) reset with CONFIG RESETSTAT.
 * Only GET/MGET count as lookups in Redis's keyspace counters (SET and DEL look keys up for
 * writing, which Redis does not count), so the client's count of GETs is comparable.
 *
 * @module
 */

import type { Redis } from "ioredis";
import { connectRedis, parseRedisInfo, redisCommand } from "../../engines/redis/client.ts";
import type { Engine } from "../../engines/mod.ts";
import type { CacheBackend, CacheBinding, CacheClient, CacheCounters } from "./binding.ts";

function redisClient(client: Redis): CacheClient {
  return {
    get: (key) => client.get(key),
    getMany: (keys) => (keys.length ? client.mget(...keys) : Promise.resolve([])),
    async set(key, value, ttlS = 0) {
      if (ttlS > 0) await client.set(key, value, "EX", ttlS);
      else await client.set(key, value);
    },
    async setMany(entries, ttlS = 0) {
      if (entries.length === 0) return;
      const p = client.pipeline();
      for (const [k, v] of entries) {
        if (ttlS > 0) p.set(k, v, "EX", ttlS);
        else p.set(k, v);
      }
      const results = await p.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
    },
    async del(key) {
      await client.del(key);
    },
    close() {
      client.disconnect();
      return Promise.resolve();
    },
  };
}

/** A {@link CacheBackend} for a started Redis engine. */
export async function redisBackend(engine: Engine): Promise<CacheBackend> {
  let admin: Redis | undefined = await connectRedis(engine.primary);
  const adminClient = async () => admin ??= await connectRedis(engine.primary);
  return {
    engine,
    hasCounters: true,
    client: async () => redisClient(await connectRedis(engine.primary)),
    async counters(): Promise<CacheCounters> {
      const a = await adminClient();
      const info = parseRedisInfo(String(await a.info()));
      return {
        hits: Number(info.keyspace_hits),
        misses: Number(info.keyspace_misses),
        evictions: Number(info.evicted_keys),
        items: Number(await a.dbsize()),
        memoryBytes: Number(info.used_memory),
        dataBytes: Number(info.used_memory_dataset),
      };
    },
    async resetCounters() {
      await (await adminClient()).config("RESETSTAT");
    },
    async flush() {
      await (await adminClient()).flushall("SYNC");
    },
    close() {
      admin?.disconnect();
      admin = undefined; // the next call reconnects (e.g. after a restart)
      return Promise.resolve();
    },
  };
}

/** Redis 7: LRU and LFU eviction, maxmemory set at run time, AOF for sessions. */
export const redisBinding: CacheBinding = {
  name: "redis",
  engine: "redis",
  policies: [
    { id: "allkeys-lru", settings: { "maxmemory-policy": "allkeys-lru" } },
    { id: "allkeys-lfu", settings: { "maxmemory-policy": "allkeys-lfu" } },
  ],
  budget: {
    kind: "runtime",
    async prepare(engine, backend, policy) {
      // maxmemory counts Redis's whole allocator footprint, ~1 MB before the first key; a
      // budget below that would evict every key and refuse writes. The budget is for data,
      // so it is added to this measured baseline of the empty server.
      const baseline = (await backend.counters()).memoryBytes;
      return async (dataBytes) => {
        const maxmemory = baseline + dataBytes;
        await redisCommand(engine.primary, "CONFIG", "SET", "maxmemory", maxmemory);
        return {
          limitBytes: maxmemory,
          config: {
            "maxmemory-policy": policy,
            maxmemory,
            maxmemory_baseline: baseline,
            "maxmemory-samples": 5,
          },
        };
      };
    },
  },
  unbounded: {},
  persistence: [
    { id: "none", settings: {} },
    // everysec: Redis's recommended trade-off (fsync once a second in the background).
    { id: "aof_everysec", settings: { appendonly: "yes", appendfsync: "everysec" } },
  ],
  backend: redisBackend,
};

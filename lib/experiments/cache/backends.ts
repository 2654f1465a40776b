/**
 * Which binding serves which engine: one function so the experiment never switches on names.
 */

import type { Engine } from "../../engines/types.ts";
import type { CacheBackend } from "./backend.ts";
import { hazelcastBackend } from "./hazelcast_backend.ts";
import { memcachedBackend } from "./memcached_backend.ts";
import { redisBackend } from "./redis_backend.ts";

/** Cache engines the experiment compares. */
export const CACHE_ENGINES = ["redis", "memcached", "hazelcast"] as const;

/** A cache engine's name. */
export type CacheEngine = typeof CACHE_ENGINES[number];

/** The {@link CacheBackend} for a started cache engine. */
export function cacheBackend(engine: Engine): Promise<CacheBackend> {
  switch (engine.engine) {
    case "redis":
      return redisBackend(engine);
    case "memcached":
      return memcachedBackend(engine);
    case "hazelcast":
      return hazelcastBackend(engine);
    default:
      throw new Error(`${engine.engine} is not a cache engine; use ${CACHE_ENGINES.join(", ")}`);
  }
}

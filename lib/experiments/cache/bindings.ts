/**
 * The cache experiment's bindings: one line per engine (its binding file beside this one).
 *
 * @module
 */

import type { CacheBinding } from "./binding.ts";
import { hazelcastBinding, hazelcastNearBinding } from "./hazelcast.ts";
import { memcachedBinding } from "./memcached.ts";
import { redisBinding } from "./redis.ts";

/** Every cache the caching decision compares, in the order they run. */
export const CACHE_BINDINGS: readonly CacheBinding[] = [
  redisBinding,
  memcachedBinding,
  hazelcastBinding,
  hazelcastNearBinding,
];

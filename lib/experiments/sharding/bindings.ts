/**
 * The partitioning-and-sharding experiment's bindings: one line per engine (its binding file
 * beside this one). Each serves the parts its capabilities name.
 *
 * @module
 */

import type { ShardingBinding } from "./binding.ts";
import { memcachedBinding } from "./memcached.ts";
import { postgresBinding } from "./postgres.ts";
import { redisBinding } from "./redis.ts";
import { redisClusterBinding } from "./redis_cluster.ts";

/** Every engine the experiment measures, in the order its parts run. */
export const SHARDING_BINDINGS: readonly ShardingBinding[] = [
  postgresBinding,
  memcachedBinding,
  redisClusterBinding,
  redisBinding,
];

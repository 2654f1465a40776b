/**
 * The stores of the failover experiment, one file per engine (most important first: the run
 * measures them in this order).
 *
 * @module
 */

import type { DistanceBinding, FailoverBinding } from "./binding.ts";
import { patroniBinding } from "./postgres.ts";
import { sentinelBinding } from "./redis.ts";
import { galeraBinding, galeraPartitionBinding, type MultiPrimaryBinding } from "./galera.ts";
import { postgresDistanceBinding } from "./postgres_distance.ts";

/** Every binding, in run order. */
export const FAILOVER_BINDINGS: readonly FailoverBinding[] = [
  patroniBinding,
  sentinelBinding,
  galeraPartitionBinding,
];

/** Multi-primary stores (the read-modify-write part; a name may also be a failover binding's). */
export const MULTI_PRIMARY_BINDINGS: readonly MultiPrimaryBinding[] = [galeraBinding];

/** Stores of the distance part (replication through a proxy that adds a round trip). */
export const DISTANCE_BINDINGS: readonly DistanceBinding[] = [postgresDistanceBinding];

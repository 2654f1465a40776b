/**
 * The stores of the failover experiment, one file per engine (most important first: the run
 * measures them in this order).
 *
 * @module
 */

import type { FailoverBinding } from "./binding.ts";
import { patroniBinding } from "./postgres.ts";
import { sentinelBinding } from "./redis.ts";
import { galeraBinding, galeraPartitionBinding, type MultiPrimaryBinding } from "./galera.ts";

/** Every binding, in run order. */
export const FAILOVER_BINDINGS: readonly FailoverBinding[] = [
  patroniBinding,
  sentinelBinding,
  galeraPartitionBinding,
];

/** Multi-primary stores (the read-modify-write part; a name may also be a failover binding's). */
export const MULTI_PRIMARY_BINDINGS: readonly MultiPrimaryBinding[] = [galeraBinding];

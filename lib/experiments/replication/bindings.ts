/**
 * The replication experiment's bindings: one line per engine (its binding file beside this
 * one), and the modes they offer in display order.
 *
 * @module
 */

import type { ReplicationBinding, ReplicationMode } from "./binding.ts";
import { mariadbBinding } from "./mariadb.ts";
import { postgresBinding } from "./postgres.ts";
import { redisBinding } from "./redis.ts";

/** Every store the consistency decision compares, in the order they run. */
export const REPLICATION_BINDINGS: readonly ReplicationBinding[] = [
  postgresBinding,
  mariadbBinding,
  redisBinding,
];

/** Every mode of every binding, in display order. */
export const REPLICATION_MODES: readonly ReplicationMode[] = REPLICATION_BINDINGS.flatMap((b) =>
  b.modes
);

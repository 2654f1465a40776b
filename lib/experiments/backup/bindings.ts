/**
 * The backup-and-recovery experiment's bindings: one line per engine (its binding file beside
 * this one). Each serves the parts its capabilities name.
 *
 * @module
 */

import type { BackupBinding } from "./binding.ts";
import { clickhouseBinding } from "./clickhouse.ts";
import { mariadbBinding } from "./mariadb.ts";
import { postgresBinding } from "./postgres.ts";
import { redisBinding } from "./redis.ts";

/** Every engine the experiment measures, in the order its parts run. */
export const BACKUP_BINDINGS: readonly BackupBinding[] = [
  postgresBinding,
  mariadbBinding,
  clickhouseBinding,
  redisBinding,
];

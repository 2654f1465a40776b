/**
 * The backup-and-recovery experiment's bindings: one line per engine (its binding file beside
 * this one). Each serves the parts its capabilities name. MariaDB (mariadb-backup, binlog
 * point-in-time recovery) and ClickHouse (backup against a rebuild) have no binding yet: the
 * notebook and ADR D7 list them as pending.
 *
 * @module
 */

import type { BackupBinding } from "./binding.ts";
import { postgresBinding } from "./postgres.ts";
import { redisBinding } from "./redis.ts";

/** Every engine the experiment measures, in the order its parts run. */
export const BACKUP_BINDINGS: readonly BackupBinding[] = [postgresBinding, redisBinding];

/**
 * Experiment 07, backup, restore and recovery: a procedure is only real once it has been
 * restored and timed. Four parts, each planned from what the bindings (./bindings.ts)
 * declare — this module names no engine:
 *
 * 1. backups and restores per tool, type, compression and dataset size, every restore
 *    verified against the source's row counts and checksums (./backups_part.ts);
 * 2. point-in-time recovery under a write load, judged against the acknowledged commits;
 * 3. disk loss of the primary: recovery from the archive alone per `archive_timeout`, or by
 *    promoting a streaming standby (async, sync), counting acknowledged writes lost
 *    (./drills_part.ts);
 * 4. persistence modes of an in-memory store: writes lost on kill -9, throughput, restart
 *    time against dataset size (./persistence_part.ts).
 *
 * @module
 */

import { collectProvenance, ResultSet } from "../../results/mod.ts";
import type { Experiment, Progress, Tables } from "../experiment.ts";
import type { BackupBinding } from "./binding.ts";
import { backupsPart, backupSteps } from "./backups_part.ts";
import { type BackupConfig, backupConfig } from "./config.ts";
import { BACKUP_TABLES, type BackupRun } from "./context.ts";
import { drillsPart, pitrSteps, rpoSteps } from "./drills_part.ts";
import { persistencePart, persistenceSteps } from "./persistence_part.ts";

export { type BackupConfig, backupConfig } from "./config.ts";
export { BACKUP_TABLES, BACKUPS, PERSISTENCE, PITR, RPO } from "./context.ts";

/** Progress steps of every part on one binding. */
export function plannedSteps(ctx: Pick<BackupRun, "config">, b: BackupBinding): number {
  return backupSteps(ctx, b) + pitrSteps(ctx, b) + rpoSteps(ctx, b) + persistenceSteps(ctx, b);
}

/** The backup-and-recovery experiment (notebook 07). */
export const backup: Experiment<BackupConfig> = {
  id: "backup",
  title: "backup, restore and point-in-time recovery: measured RTO and RPO",
  notebook: "07-backup-recovery",
  tables: BACKUP_TABLES,
  module: import.meta.url,
  config: backupConfig,
  run: runBackup,
};

/** Run every part on every binding and return the tables (writes nothing). */
export async function runBackup(config: BackupConfig, progress: Progress): Promise<Tables> {
  const provenance = await collectProvenance();
  const sets = Object.fromEntries(
    BACKUP_TABLES.map((t) => [t, new ResultSet(provenance)]),
  ) as BackupRun["sets"];
  const ctx: BackupRun = { config, sets, progress };
  progress.plan(config.bindings.reduce((n, b) => n + plannedSteps(ctx, b), 0));
  await backupsPart(ctx);
  await drillsPart(ctx);
  await persistencePart(ctx);
  return Object.fromEntries(BACKUP_TABLES.map((t) => [t, sets[t].rows()]));
}

/**
 * What the experiment's parts share while they run: the tables and their result sets, the
 * configuration, progress, one way to add a row and one to record a skipped engine, and the
 * write load every drill judges recovery against (the client's own record of its writes).
 *
 * @module
 */

import type { Engine, EngineNode } from "../../engines/mod.ts";
import type { DimValue, ResultSet } from "../../results/mod.ts";
import type { AckedWrite } from "../../checks/recovery.ts";
import type { Progress } from "../experiment.ts";
import { runIdentity, skippedEngine } from "../params.ts";
import type { BackupBinding, Ledger } from "./binding.ts";
import type { BackupConfig } from "./config.ts";

/** Backups and restores per tool, type, compression and size. */
export const BACKUPS = "backup_backups";
/** Point-in-time restores under a write load, judged against the acknowledged commits. */
export const PITR = "backup_pitr";
/** Acknowledged writes lost when the primary's disk is lost, per recovery configuration. */
export const RPO = "backup_rpo";
/** Persistence modes of an in-memory store: crash loss, throughput, restart time. */
export const PERSISTENCE = "backup_persistence";

/** The experiment's tables, in order. */
export const BACKUP_TABLES = [BACKUPS, PITR, RPO, PERSISTENCE] as const;

/** A table of the experiment. */
export type BackupTable = typeof BACKUP_TABLES[number];

/** The state of one run. */
export interface BackupRun {
  config: BackupConfig;
  sets: Record<BackupTable, ResultSet>;
  progress: Progress;
}

/** Add one run of rows: identity from `engine`, dims, metrics as [name, value, unit]. */
export function addRow(
  ctx: BackupRun,
  table: BackupTable,
  engine: Engine,
  repetition: number,
  dims: Record<string, DimValue>,
  metrics: readonly (readonly [string, number, string])[],
) {
  const id = { engine: engine.engine, version: engine.version, provider: engine.provider };
  const run = ctx.sets[table].run(
    runIdentity(table, ctx.config, id, { ...engine.settings }, repetition, dims),
  );
  for (const [m, v, u] of metrics) run.add(m, v, u);
  run.end();
}

/** One `skipped` row in `table` for a binding, with the one-line reason, and progress told. */
export function skip(
  ctx: BackupRun,
  table: BackupTable,
  binding: BackupBinding,
  planned: number,
  reason: string,
) {
  ctx.progress.skip(planned, reason);
  ctx.sets[table].run(runIdentity(table, ctx.config, skippedEngine(binding.name), "", 0))
    .add("skipped", 1, "flag", { reason }).end(0);
}

/** A running write load: every write's invoke and acknowledgement times, by the client. */
export interface Writers {
  /** Stop writing (after the in-flight writes answer or fail) and return the history. */
  stop(): Promise<AckedWrite[]>;
}

/**
 * `clients` connections writing new keys (`<tag>-<client>-<seq>`) as fast as each is
 * acknowledged, until {@link Writers.stop}. A write that fails (the server was killed) ends
 * that client: it stays in the history without an acknowledgement. Times are `Date.now()`,
 * the clock the server stamps its commits with on this machine.
 */
export async function startWriters(
  ledger: Ledger,
  node: EngineNode,
  clients: number,
  tag: string,
): Promise<Writers> {
  const history: AckedWrite[] = [];
  let stopping = false;
  const conns = await Promise.all(Array.from({ length: clients }, () => ledger.writer(node)));
  const loops = conns.map(async (w, c) => {
    for (let seq = 0; !stopping; seq++) {
      const op: AckedWrite = { key: `${tag}-${c}-${seq}`, invokeMs: Date.now() };
      history.push(op);
      try {
        await w.write(op.key);
        op.ackMs = Date.now();
      } catch {
        break;
      }
    }
    await w.close();
  });
  return {
    async stop() {
      stopping = true;
      await Promise.all(loops);
      return history;
    },
  };
}

/** Acknowledged writes per second of a history over `seconds`. */
export function ackRate(history: readonly AckedWrite[], seconds: number): number {
  return history.filter((w) => w.ackMs !== undefined).length / seconds;
}

/** Seconds of wall time since `t0` (performance.now()). */
export const elapsedMs = (t0: number) => performance.now() - t0;

/**
 * Parts 2 and 3, the recovery drills under a running write load, judged against the client's
 * record of acknowledged writes (lib/checks/recovery.ts):
 *
 * - point-in-time recovery: a base backup, writes, a target time in the middle of them, the
 *   log flushed to the archive, a restore to the target — exactly the writes acknowledged
 *   before it must be there, none begun after;
 * - disk loss: writes, kill -9 of the primary, its data directory deleted, then recovery from
 *   the archive alone (per `archive_timeout`) or by promoting a streaming standby (async,
 *   sync); the acknowledged writes that are gone are the measured RPO.
 *
 * @module
 */

import { checkCrashLoss, checkPitr } from "../../checks/recovery.ts";
import { sleep } from "../../engines/runtime/net.ts";
import { withBinding } from "../binding.ts";
import type { BackupBinding } from "./binding.ts";
import { ackRate, addRow, type BackupRun, PITR, RPO, skip, startWriters } from "./context.ts";

/** Steps of part 2 on one binding. */
export function pitrSteps(ctx: Pick<BackupRun, "config">, b: BackupBinding): number {
  return b.pitr ? ctx.config.drills.repetitions : 0;
}

/** Steps of part 3 on one binding. */
export function rpoSteps(ctx: Pick<BackupRun, "config">, b: BackupBinding): number {
  const d = ctx.config.drills;
  return b.rpo
    ? ctx.config.drills.repetitions * (d.archiveTimeoutsS.length + d.standbyModes.length)
    : 0;
}

/** Now, or the next multiple of `resolutionMs` (waited for) when the archive's targets are coarse. */
async function targetAt(resolutionMs?: number): Promise<number> {
  if (!resolutionMs) return Date.now();
  const t = Math.ceil(Date.now() / resolutionMs) * resolutionMs;
  await sleep(t - Date.now());
  // Timers may fire a little early; the target must not be in the future when writes resume.
  while (Date.now() < t) await sleep(1);
  return t;
}

async function pitrOnce(ctx: BackupRun, binding: BackupBinding, rep: number) {
  const caps = binding.pitr!;
  const d = ctx.config.drills;
  await withBinding(
    binding,
    {},
    (reason) => skip(ctx, PITR, binding, 1, reason),
    async (engine) => {
      await caps.ledger.setup(engine.primary);
      const repo = await caps.archive.open(engine);
      try {
        const base = await repo.backup(caps.archive.types[0]);
        const writers = await startWriters(caps.ledger, engine.primary, d.writers, `pitr${rep}`);
        await sleep((d.durationS * 1000) / 2);
        const targetMs = await targetAt(caps.targetResolutionMs);
        await sleep((d.durationS * 1000) / 2);
        const history = await writers.stop();
        await repo.flushLog?.();
        // Name the base backup: left to choose, pgBackRest compares whole-second stop times
        // with the target and refuses a target in the same second as the backup's end.
        const restored = await repo.restore({
          label: base.label,
          targetTime: new Date(targetMs).toISOString(),
        });
        try {
          const found = await caps.ledger.keys(restored.engine.primary);
          const v = checkPitr(history, targetMs, found);
          if (!v.valid) ctx.progress.log(`backup: PITR INVALID: ${v.examples.join("; ")}`);
          ctx.progress.log(
            `backup: PITR to the middle of ${history.length} writes: ${v.before} before present ` +
              `(${v.missingBefore} missing), ${v.presentAfter} of ${v.after} after present, ` +
              `${v.inFlight} in flight — ${v.valid ? "valid" : "INVALID"}`,
          );
          addRow(ctx, PITR, engine, rep, { part: "pitr", writers: d.writers }, [
            ["writes_acked", history.filter((w) => w.ackMs !== undefined).length, "writes"],
            ["writes_per_s", ackRate(history, d.durationS), "writes/s"],
            ["before_target", v.before, "writes"],
            ["missing_before", v.missingBefore, "writes"],
            ["after_target", v.after, "writes"],
            ["present_after", v.presentAfter, "writes"],
            ["in_flight", v.inFlight, "writes"],
            ["foreign", v.foreign, "writes"],
            ["valid", v.valid ? 1 : 0, "flag"],
            ["restore_ms", restored.restoreMs, "ms"],
            ["start_ms", restored.startMs, "ms"],
            ["rto_ms", restored.restoreMs + restored.startMs, "ms"],
          ]);
        } finally {
          await restored.engine.stop();
        }
      } finally {
        await repo.close();
      }
    },
  );
}

/** Kill -9 the primary and throw its data directory away. */
async function loseDisk(engine: import("../../engines/mod.ts").Engine) {
  await engine.kill("primary");
  const dir = engine.primary.dataDir;
  if (!dir) throw new Error("backup: the disk-loss drill needs a private server's data dir");
  await Deno.remove(dir, { recursive: true });
}

async function archiveOnce(ctx: BackupRun, binding: BackupBinding, seconds: number, rep: number) {
  const caps = binding.rpo!;
  const d = ctx.config.drills;
  const config = `archive_timeout_${seconds}s`;
  await withBinding(
    binding,
    { settings: caps.archiveSettings(seconds) },
    (reason) => skip(ctx, RPO, binding, 1, reason),
    async (engine) => {
      await caps.ledger.setup(engine.primary);
      const repo = await caps.archive.open(engine);
      try {
        await repo.backup(caps.archive.types[0]);
        const writers = await startWriters(caps.ledger, engine.primary, d.writers, `rpo${rep}`);
        await sleep(d.durationS * 1000);
        const killedAt = Date.now();
        await loseDisk(engine);
        const history = await writers.stop();
        const restored = await repo.restore();
        try {
          const found = await caps.ledger.keys(restored.engine.primary);
          const v = checkCrashLoss(history, found);
          addRpoRow(ctx, engine, rep, config, "archive", seconds, d.durationS, history, v, {
            recovery_ms: restored.restoreMs + restored.startMs,
            killedAt,
          });
        } finally {
          await restored.engine.stop();
        }
      } finally {
        await repo.close();
      }
    },
  );
}

async function standbyOnce(
  ctx: BackupRun,
  binding: BackupBinding,
  mode: "async" | "sync",
  rep: number,
) {
  const caps = binding.rpo!;
  const d = ctx.config.drills;
  await withBinding(
    binding,
    { replicas: 1, replication: { mode } },
    (reason) => skip(ctx, RPO, binding, 1, reason),
    async (engine) => {
      await caps.ledger.setup(engine.primary);
      const writers = await startWriters(caps.ledger, engine.primary, d.writers, `sb${rep}`);
      await sleep(d.durationS * 1000);
      const killedAt = Date.now();
      await loseDisk(engine);
      const history = await writers.stop();
      const standby = engine.replicas[0];
      const t0 = performance.now();
      await caps.promote(standby);
      const promoteMs = performance.now() - t0;
      const found = await caps.ledger.keys(standby);
      const v = checkCrashLoss(history, found);
      addRpoRow(ctx, engine, rep, `standby_${mode}`, "standby", 0, d.durationS, history, v, {
        recovery_ms: promoteMs,
        killedAt,
      });
    },
  );
}

function addRpoRow(
  ctx: BackupRun,
  engine: import("../../engines/mod.ts").Engine,
  rep: number,
  config: string,
  via: string,
  archiveTimeoutS: number,
  durationS: number,
  history: import("../../checks/recovery.ts").AckedWrite[],
  v: ReturnType<typeof checkCrashLoss>,
  extra: { recovery_ms: number; killedAt: number },
) {
  const acks = history.flatMap((w) => (w.ackMs === undefined ? [] : [w.ackMs]));
  const found = history.filter((w) => w.ackMs !== undefined).length - v.lost;
  ctx.progress.log(
    `backup: disk loss, ${config}: ${v.lost} of ${v.acked} acknowledged writes lost ` +
      `(${(v.lostSpanMs / 1000).toFixed(2)} s of writes), recovered in ${
        (extra.recovery_ms / 1000).toFixed(1)
      } s`,
  );
  addRow(ctx, RPO, engine, rep, { config, via, archive_timeout_s: archiveTimeoutS }, [
    ["writes_acked", v.acked, "writes"],
    ["writes_per_s", ackRate(history, durationS), "writes/s"],
    ["lost", v.lost, "writes"],
    ["lost_span_ms", v.lostSpanMs, "ms"],
    ["survived", found, "writes"],
    ["unacked_applied", v.unackedApplied, "writes"],
    ["foreign", v.foreign, "writes"],
    ["last_ack_to_kill_ms", acks.length ? extra.killedAt - Math.max(...acks) : 0, "ms"],
    ["recovery_ms", extra.recovery_ms, "ms"],
  ]);
}

/** Run parts 2 and 3 on every binding that has them. */
export async function drillsPart(ctx: BackupRun): Promise<void> {
  for (const binding of ctx.config.bindings) {
    for (let rep = 0; rep < ctx.config.drills.repetitions; rep++) {
      if (binding.pitr) {
        ctx.progress.step(`${binding.name} PITR rep ${rep + 1}`);
        await pitrOnce(ctx, binding, rep);
      }
      if (!binding.rpo) continue;
      for (const s of ctx.config.drills.archiveTimeoutsS) {
        ctx.progress.step(`${binding.name} disk loss, archive_timeout ${s} s, rep ${rep + 1}`);
        await archiveOnce(ctx, binding, s, rep);
      }
      for (const m of ctx.config.drills.standbyModes) {
        ctx.progress.step(`${binding.name} disk loss, ${m} standby, rep ${rep + 1}`);
        await standbyOnce(ctx, binding, m, rep);
      }
    }
  }
}

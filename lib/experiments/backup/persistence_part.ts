/**
 * Part 4, the persistence modes of an in-memory store: per mode, filler keys and a snapshot
 * (what a schedule would have taken), then clients writing new keys for a few seconds, kill -9
 * mid-load, restart on the same files — the acknowledged writes gone are counted against the
 * client's record, and the write throughput is what the mode costs. Then, per dataset size, a
 * clean dataset of that many keys, kill -9 and the time until the restarted server answers
 * (loading its snapshot or replaying its log), with the keys counted afterwards.
 *
 * @module
 */

import { checkCrashLoss } from "../../checks/recovery.ts";
import { sleep } from "../../engines/runtime/net.ts";
import { withBinding } from "../binding.ts";
import type { BackupBinding, PersistenceMode } from "./binding.ts";
import { ackRate, addRow, type BackupRun, PERSISTENCE, skip, startWriters } from "./context.ts";

/** Steps of the part on one binding. */
export function persistenceSteps(ctx: Pick<BackupRun, "config">, b: BackupBinding): number {
  return b.persistence
    ? b.persistence.modes.length *
      (ctx.config.persistence.repetitions + ctx.config.persistence.restartKeys.length)
    : 0;
}

async function lossOnce(
  ctx: BackupRun,
  binding: BackupBinding,
  mode: PersistenceMode,
  rep: number,
) {
  const caps = binding.persistence!;
  const p = ctx.config.persistence;
  await withBinding(
    binding,
    { settings: mode.settings },
    (reason) => skip(ctx, PERSISTENCE, binding, 1, reason),
    async (engine) => {
      await caps.preload(engine.primary, p.preloadKeys);
      await caps.snapshot(engine.primary);
      const writers = await startWriters(caps.ledger, engine.primary, p.writers, `m${rep}`);
      await sleep(p.durationS * 1000);
      await engine.kill("primary");
      const history = await writers.stop();
      const t0 = performance.now();
      await engine.restart("primary");
      const restartMs = performance.now() - t0;
      const found = await caps.ledger.keys(engine.primary);
      const v = checkCrashLoss(history, found);
      ctx.progress.log(
        `backup: ${mode.name} kill -9: ${v.lost} of ${v.acked} acknowledged writes lost, ` +
          `${ackRate(history, p.durationS).toFixed(0)} writes/s`,
      );
      addRow(
        ctx,
        PERSISTENCE,
        engine,
        rep,
        { part: "loss", mode: mode.name, keys: p.preloadKeys },
        [
          ["writes_acked", v.acked, "writes"],
          ["writes_per_s", ackRate(history, p.durationS), "writes/s"],
          ["lost", v.lost, "writes"],
          ["lost_share", v.acked ? v.lost / v.acked : 0, "ratio"],
          ["lost_span_ms", v.lostSpanMs, "ms"],
          ["unacked_applied", v.unackedApplied, "writes"],
          ["foreign", v.foreign, "writes"],
          ["restart_ms", restartMs, "ms"],
        ],
      );
    },
  );
}

async function restartOnce(
  ctx: BackupRun,
  binding: BackupBinding,
  mode: PersistenceMode,
  keys: number,
) {
  const caps = binding.persistence!;
  await withBinding(
    binding,
    { settings: mode.settings },
    (reason) => skip(ctx, PERSISTENCE, binding, 1, reason),
    async (engine) => {
      await caps.preload(engine.primary, keys);
      await caps.snapshot(engine.primary);
      await engine.kill("primary");
      const t0 = performance.now();
      await engine.restart("primary");
      const restartMs = performance.now() - t0;
      const after = await caps.size(engine.primary);
      addRow(ctx, PERSISTENCE, engine, 0, { part: "restart", mode: mode.name, keys }, [
        ["restart_ms", restartMs, "ms"],
        ["keys_after", after, "keys"],
        ["verified", after === keys ? 1 : 0, "flag"],
      ]);
    },
  );
}

/** Run part 4 on every binding with persistence modes. */
export async function persistencePart(ctx: BackupRun): Promise<void> {
  for (const binding of ctx.config.bindings) {
    const caps = binding.persistence;
    if (!caps) continue;
    for (const mode of caps.modes) {
      for (let rep = 0; rep < ctx.config.persistence.repetitions; rep++) {
        ctx.progress.step(`${binding.name} ${mode.name} kill -9, rep ${rep + 1}`);
        await lossOnce(ctx, binding, mode, rep);
      }
      for (const keys of ctx.config.persistence.restartKeys) {
        ctx.progress.step(`${binding.name} ${mode.name} restart with ${keys} keys`);
        await restartOnce(ctx, binding, mode, keys);
      }
    }
  }
}

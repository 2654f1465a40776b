/**
 * Part 1, backups and restores at each dataset size: every tool of the binding takes its
 * backup types in order (the data changes by a small share between them), every backup's
 * base and latest copies are restored into a new server and verified against the source's
 * row counts and checksums at that moment, and at the compression sizes a full backup per
 * compression type is taken and restored too. RTO = putting the files in place + the server's
 * start until it serves out of recovery.
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import { withBinding } from "../binding.ts";
import type { BackupBinding, BackupRepo, BackupTool, Fingerprint } from "./binding.ts";
import { addRow, type BackupRun, BACKUPS, skip } from "./context.ts";

type Caps = NonNullable<BackupBinding["backups"]>;

/** Steps of the part on one binding (one per size and tool). */
export function backupSteps(ctx: Pick<BackupRun, "config">, b: BackupBinding): number {
  return b.backups ? ctx.config.backups.sizesMb.length * b.backups.tools.length : 0;
}

const same = (a: Fingerprint, b: Fingerprint) => a.rows === b.rows && a.checksum === b.checksum;

/** Restore, verify against `expected`, stop the copy; one row. */
async function restoreRow(
  ctx: BackupRun,
  caps: Caps,
  source: Engine,
  repo: BackupRepo,
  dims: Record<string, string | number>,
  expected: Fingerprint,
  options: Parameters<BackupRepo["restore"]>[0],
  part = "restore",
) {
  const r = await repo.restore(options);
  try {
    const got = await caps.fingerprint(r.engine.primary);
    const ok = same(got, expected);
    if (!ok) {
      ctx.progress.log(
        `backup: ${dims.tool} ${dims.type} restore differs: ${got.rows} rows ${got.checksum}, ` +
          `expected ${expected.rows} ${expected.checksum}`,
      );
    }
    addRow(ctx, BACKUPS, source, 0, { ...dims, part }, [
      ["restore_ms", r.restoreMs, "ms"],
      ["start_ms", r.startMs, "ms"],
      ["rto_ms", r.restoreMs + r.startMs, "ms"],
      ["rows_restored", got.rows, "rows"],
      ["verified", ok ? 1 : 0, "flag"],
    ]);
    ctx.progress.log(
      `backup: ${dims.size_mb} MB ${dims.tool} ${dims.type}${
        dims.compression ? ` ${dims.compression}` : ""
      } restored in ${((r.restoreMs + r.startMs) / 1000).toFixed(1)} s, ${
        ok ? "verified" : "NOT verified"
      }`,
    );
  } finally {
    await r.engine.stop();
  }
}

async function oneTool(
  ctx: BackupRun,
  caps: Caps,
  engine: Engine,
  tool: BackupTool,
  sizeMb: number,
  dbBytes: number,
) {
  const repo = await tool.open(engine);
  try {
    const base = tool.compressions?.[0];
    const taken: { label: string; type: string; fp: Fingerprint }[] = [];
    for (const [i, type] of tool.types.entries()) {
      if (i > 0) await caps.change(engine, ctx.config.backups.changeShare);
      const fp = await caps.fingerprint(engine.primary);
      const b = await repo.backup(type, base);
      taken.push({ label: b.label, type, fp });
      addRow(ctx, BACKUPS, engine, 0, {
        part: "backup",
        tool: tool.name,
        type,
        compression: base ?? "",
        size_mb: sizeMb,
      }, [
        ["backup_ms", b.ms, "ms"],
        ["db_bytes", dbBytes, "bytes"],
        ["stored_bytes", b.storedBytes, "bytes"],
      ]);
    }
    // The base and the latest backup, each restored to its own consistent point.
    const ends = taken.length > 1 ? [taken[0], taken[taken.length - 1]] : [taken[0]];
    for (const t of ends) {
      await restoreRow(
        ctx,
        caps,
        engine,
        repo,
        {
          tool: tool.name,
          type: t.type,
          compression: base ?? "",
          size_mb: sizeMb,
        },
        t.fp,
        { label: t.label, toBackup: true },
      );
    }
    if (tool.compressions && ctx.config.backups.compressionSizesMb.includes(sizeMb)) {
      const fp = await caps.fingerprint(engine.primary);
      for (const compression of tool.compressions) {
        const b = await repo.backup(tool.types[0], compression);
        const dims = {
          part: "compression",
          tool: tool.name,
          type: tool.types[0],
          compression,
          size_mb: sizeMb,
        };
        addRow(ctx, BACKUPS, engine, 0, dims, [
          ["backup_ms", b.ms, "ms"],
          ["db_bytes", dbBytes, "bytes"],
          ["stored_bytes", b.storedBytes, "bytes"],
        ]);
        await restoreRow(ctx, caps, engine, repo, dims, fp, {
          label: b.label,
          toBackup: true,
        }, "compression_restore");
      }
    }
  } finally {
    await repo.close();
  }
}

/** Run part 1 on every binding with backups. */
export async function backupsPart(ctx: BackupRun): Promise<void> {
  for (const binding of ctx.config.bindings) {
    const caps = binding.backups;
    if (!caps) continue;
    for (const sizeMb of ctx.config.backups.sizesMb) {
      await withBinding(binding, {}, (reason) => {
        skip(ctx, BACKUPS, binding, caps.tools.length, reason);
      }, async (engine) => {
        const t0 = performance.now();
        const { rows, bytes } = await caps.load(engine, sizeMb);
        addRow(ctx, BACKUPS, engine, 0, { part: "load", tool: "", size_mb: sizeMb }, [
          ["load_ms", performance.now() - t0, "ms"],
          ["rows", rows, "rows"],
          ["db_bytes", bytes, "bytes"],
        ]);
        for (const tool of caps.tools) {
          ctx.progress.step(`${binding.name} ${sizeMb} MB ${tool.name}`);
          await oneTool(ctx, caps, engine, tool, sizeMb, bytes);
        }
      });
    }
  }
}

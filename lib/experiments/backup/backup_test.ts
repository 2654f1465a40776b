// The backup-and-recovery experiment on real engines at a tiny size: pgBackRest full, diff
// and incr plus both baselines restored and verified, a real point-in-time restore under
// writes judged exact, the disk-loss drill counted, and a real Redis kill -9 per persistence
// mode with the losses counted against the client's acknowledgements.

import assert from "node:assert/strict";
import { experimentParams } from "../params.ts";
import { recordingProgress } from "../testing.ts";
import { backupConfig } from "./config.ts";
import { runBackup } from "./mod.ts";
import * as S from "./summary.ts";

const quick = experimentParams({ scale: "quick", repetitions: 1 });

Deno.test("backup: bad configuration is one clear line", () => {
  assert.throws(() => backupConfig(quick, { engines: ["nope"] }), /backup: no binding "nope"/);
  assert.throws(
    () => backupConfig(quick, { backups: { sizesMb: [20], compressionSizesMb: [50] } }),
    /^Error: backup: backups.compressionSizesMb 50 is not among sizesMb/,
  );
  assert.throws(() => backupConfig(quick, { drills: { writers: 0 } }), /drills.writers/);
});

Deno.test("backup: a real PITR under writes is exact, and Redis crash losses are counted", async () => {
  // Under a minute: no dataset sweep, no disk-loss drill (the default run has those).
  const config = backupConfig(quick, {
    engines: ["postgres", "redis"], // MariaDB's drill has a test of its own below
    backups: { sizesMb: [], compressionSizesMb: [] },
    drills: { durationS: 1, archiveTimeoutsS: [], standbyModes: [] },
    persistence: { durationS: 0.5, preloadKeys: 100, restartKeys: [2000] },
  });
  const { seen, progress } = recordingProgress();
  const t = await runBackup(config, progress);
  assert.equal(seen.steps.length + seen.skipped.reduce((n, [k]) => n + k, 0), seen.planned);
  for (const rows of Object.values(t)) assert.deepEqual(S.skipped(rows), []);

  // The point-in-time restore holds exactly the writes acknowledged before the target.
  const p = S.pitr(t.backup_pitr, "postgres");
  assert.equal(p.valid, 1);
  assert.ok(p.before > 0 && p.after > 0, `before ${p.before}, after ${p.after}`);
  assert.equal(p.missingBefore + p.presentAfter + p.foreign, 0);

  // Redis: fsync per write loses nothing on kill -9; RDB loses every write since its snapshot.
  const m = t.backup_persistence;
  assert.ok(S.persistence(m, "aof_always", "writes_acked").mean > 0);
  assert.equal(S.persistence(m, "aof_always", "lost").mean, 0);
  assert.equal(S.persistence(m, "rdb", "lost_share").mean, 1);
  // Every restart came back with the whole snapshotted or logged dataset.
  assert.ok(m.filter((r) => r.metric === "verified").every((r) => Number(r.value) === 1));
});

Deno.test({
  name: "backup: every tool's restore verifies; the disk-loss drill counts (BENCH_SLOW_TESTS=1)",
  ignore: !Deno.env.get("BENCH_SLOW_TESTS"),
  fn: async () => {
    const config = backupConfig(quick, {
      engines: ["postgres"],
      backups: { sizesMb: [5], compressionSizesMb: [5] },
      drills: { durationS: 1, archiveTimeoutsS: [1], standbyModes: ["sync"] },
    });
    const { progress } = recordingProgress();
    const t = await runBackup(config, progress);
    const v = S.verification(t.backup_backups);
    assert.equal(v.restores, 2 + 1 + 1 + 4, "pgbackrest full+incr, two baselines, 4 codecs");
    assert.equal(v.verified, v.restores);
    assert.ok(S.rto(t.backup_backups, "pgbackrest", "full", 5) > 0);
    assert.equal(S.pitr(t.backup_pitr, "postgres").valid, 1);
    assert.equal(S.rpo(t.backup_rpo, "standby_sync", "lost").mean, 0);
    assert.ok(S.rpo(t.backup_rpo, "archive_timeout_1s", "writes_acked").mean > 0);
  },
});

Deno.test("backup: MariaDB full + incremental restores verify; a binlog PITR is exact", async () => {
  // About 15 s: a 5 MB dataset, mariadb-backup full + incr, each restored and checked, then
  // a binlog point-in-time restore to a whole second in the middle of two writers.
  const config = backupConfig(quick, {
    engines: ["mariadb"],
    backups: { sizesMb: [5], compressionSizesMb: [] },
    drills: { durationS: 2 },
  });
  const { seen, progress } = recordingProgress();
  const t = await runBackup(config, progress);
  assert.equal(seen.steps.length, seen.planned);
  for (const rows of Object.values(t)) assert.deepEqual(S.skipped(rows), []);
  const v = S.verification(t.backup_backups);
  assert.equal(v.restores, 2, "full and full + incr");
  assert.equal(v.verified, 2);
  assert.ok(S.rto(t.backup_backups, "mariadb-backup", "incr", 5) > 0);
  const p = S.pitr(t.backup_pitr, "mariadb");
  assert.equal(p.valid, 1);
  assert.ok(p.before > 0 && p.after > 0, `before ${p.before}, after ${p.after}`);
});

Deno.test("backup: ClickHouse BACKUP/RESTORE and a rebuild from the source both verify", async () => {
  const config = backupConfig(quick, {
    engines: ["clickhouse"],
    backups: { sizesMb: [5], compressionSizesMb: [] },
  });
  const { seen, progress } = recordingProgress();
  const t = await runBackup(config, progress);
  assert.equal(seen.steps.length, seen.planned);
  assert.deepEqual(S.skipped(t.backup_backups), []);
  const v = S.verification(t.backup_backups);
  assert.equal(v.restores, 3, "full, full + incr, rebuild");
  assert.equal(v.verified, 3);
  assert.ok(S.rto(t.backup_backups, "clickhouse-backup", "incr", 5) > 0);
  assert.ok(S.rto(t.backup_backups, "clickhouse-rebuild", "reinsert", 5) > 0);
});

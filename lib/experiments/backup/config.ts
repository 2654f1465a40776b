/**
 * Configuration of the backup-and-recovery experiment: dataset sizes, the drills' write loads
 * and the persistence modes' crash runs, with defaults per scale sized so the default run fits
 * about five and a half minutes on two shared cores (PostgreSQL and Redis about four, MariaDB
 * and ClickHouse 85 s, most of it generating ClickHouse's events twice: the load and the
 * rebuild). Bad values fail with one line prefixed `backup:`.
 *
 * Backups, restores and drills are destructive and seconds long: each runs once per
 * configuration by default (`drills.repetitions` and `persistence.repetitions` repeat the
 * drills and crash runs; the `large` scale takes the run's repetitions for them).
 *
 * @module
 */

import { selectBindings } from "../binding.ts";
import type { ExperimentParams } from "../params.ts";
import type { BackupBinding } from "./binding.ts";
import { BACKUP_BINDINGS } from "./bindings.ts";

/** Configuration of the experiment. */
export interface BackupConfig extends ExperimentParams {
  bindings: readonly BackupBinding[];
  backups: {
    /** Dataset sizes (MB) backed up and restored by every tool (none: part 1 is not run). */
    sizesMb: readonly number[];
    /** Sizes at which every compression type is swept (full backup and restore each). */
    compressionSizesMb: readonly number[];
    /** Share of the dataset appended before each diff/incr backup. */
    changeShare: number;
  };
  drills: {
    /** Runs of each drill. */
    repetitions: number;
    /** Writing clients during the PITR and disk-loss drills. */
    writers: number;
    /** Seconds of writes (PITR: the target is in the middle; disk loss: the kill at the end). */
    durationS: number;
    /** archive_timeout values (s) of the archive-only disk-loss drill. */
    archiveTimeoutsS: readonly number[];
    /** Standby modes of the disk-loss drill. */
    standbyModes: readonly ("async" | "sync")[];
  };
  persistence: {
    /** Crash runs per mode. */
    repetitions: number;
    writers: number;
    /** Seconds of writes before kill -9. */
    durationS: number;
    /** Filler keys present before the crash runs. */
    preloadKeys: number;
    /** Dataset sizes (keys of ~100 B) whose restart time is measured. */
    restartKeys: readonly number[];
  };
}

function fail(message: string): never {
  throw new Error(`backup: ${message}`);
}

function int(name: string, v: number, min = 1, max = 1e9) {
  if (!Number.isInteger(v) || v < min || v > max) {
    fail(`${name} must be an integer ${min}..${max}, got ${v}`);
  }
}

function positive(name: string, v: number, max = Infinity) {
  if (!(typeof v === "number" && Number.isFinite(v) && v > 0 && v <= max)) {
    fail(`${name} must be > 0${max < Infinity ? ` and <= ${max}` : ""}, got ${v}`);
  }
}

type Options =
  & Partial<Omit<BackupConfig, "backups" | "drills" | "persistence">>
  & {
    engines?: readonly string[];
    backups?: Partial<BackupConfig["backups"]>;
    drills?: Partial<BackupConfig["drills"]>;
    persistence?: Partial<BackupConfig["persistence"]>;
  };

/** Defaults per scale, overridden by `options`; validated. */
export function backupConfig(params: ExperimentParams, options: Options = {}): BackupConfig {
  const quick = params.scale === "quick";
  const large = params.scale === "large";
  const { engines, backups, drills, persistence, ...rest } = options;
  const config: BackupConfig = {
    ...params,
    bindings: selectBindings("backup", BACKUP_BINDINGS, engines),
    ...rest,
    backups: {
      // 10^3 MB only at the large scale: with it the default run would take ~7 minutes here.
      sizesMb: quick ? [20] : large ? [10, 100, 1000] : [10, 100],
      compressionSizesMb: quick ? [20] : [100],
      changeShare: 0.01,
      ...backups,
    },
    drills: {
      repetitions: large ? params.repetitions : 1,
      writers: 2,
      durationS: quick ? 2 : 6,
      archiveTimeoutsS: [1, 5],
      standbyModes: ["async", "sync"],
      ...drills,
    },
    persistence: {
      repetitions: large ? params.repetitions : 1,
      writers: 4,
      durationS: quick ? 1 : 3,
      preloadKeys: quick ? 1000 : 10_000,
      restartKeys: quick
        ? [10_000]
        : large
        ? [100_000, 1_000_000, 3_000_000]
        : [100_000, 1_000_000],
      ...persistence,
    },
  };
  const b = config.backups, d = config.drills, p = config.persistence;
  b.sizesMb.forEach((v) => int("backups.sizesMb", v, 1, 100_000));
  b.compressionSizesMb.forEach((v) => {
    if (!b.sizesMb.includes(v)) fail(`backups.compressionSizesMb ${v} is not among sizesMb`);
  });
  positive("backups.changeShare", b.changeShare, 1);
  int("drills.repetitions", d.repetitions, 1, 100);
  int("persistence.repetitions", p.repetitions, 1, 100);
  int("drills.writers", d.writers, 1, 64);
  positive("drills.durationS", d.durationS, 600);
  d.archiveTimeoutsS.forEach((v) => int("drills.archiveTimeoutsS", v, 1, 3600));
  int("persistence.writers", p.writers, 1, 64);
  positive("persistence.durationS", p.durationS, 600);
  int("persistence.preloadKeys", p.preloadKeys, 0, 1e8);
  p.restartKeys.forEach((v) => int("persistence.restartKeys", v, 1, 1e8));
  return config;
}

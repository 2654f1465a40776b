/**
 * The ADR's figures from the backup-and-recovery experiment's committed rows
 * (lib/experiments/backup/summary.ts computes; this file phrases the numbers D7 cites).
 *
 * @module
 */

import { type FigureSet, formatNumber, formatPercent } from "../../results/figure.ts";
import { formatSpread, SINGLE_RUN } from "./spread.ts";
import type { Summary } from "../../stats/summary.ts";
import type { ResultRow } from "../../results/mod.ts";
import * as S from "../../experiments/backup/summary.ts";

const BACKUPS = "backup_backups.csv";
const PITR = "backup_pitr.csv";
const RPO = "backup_rpo.csv";
const PERS = "backup_persistence.csv";

type Data = Parameters<FigureSet[string]>[0];
type Rows = readonly ResultRow[];

const on = (file: string, f: (rows: Rows) => string) => async (d: Data) => f(await d.rows(file));
const s = (ms: number) => formatNumber(ms / 1000, { decimals: ms < 10_000 ? 1 : 0, unit: "s" });
const mb = (b: number) => formatNumber(b / 1e6, { decimals: b < 1e7 ? 1 : 0, unit: "MB" });
const n = (v: number) => formatNumber(v, { decimals: 0 });
/** A write rate over repetitions, with their spread (issue 19). */
const writes = (p: Summary) =>
  `${formatNumber(p.mean, { decimals: 0, unit: "writes/s" })} (${formatSpread(p)})`;
/** A restore rate: one timed restore at the largest size (S.restoreRate reads one row each). */
const restoreMbS = (r: Rows, tool: string, type: string) =>
  `${formatNumber(S.restoreRate(r, tool, type), { decimals: 0, unit: "MB/s" })} (${SINGLE_RUN})`;
// PostgreSQL's sizes: the orders store's figures (other engines' have their own keys below).
const PG = "postgres";
const largest = (r: Rows) => Math.max(...S.sizes(r, PG));
const smallest = (r: Rows) => Math.min(...S.sizes(r, PG));
const rtoAt = (tool: string, type: string, pick: (r: Rows) => number) =>
  on(BACKUPS, (r) => s(S.rto(r, tool, type, pick(r))));
const lost = (config: string) =>
  on(RPO, (r) => {
    const l = S.rpo(r, config, "lost").mean, a = S.rpo(r, config, "writes_acked").mean;
    return `${n(l)} of ${n(a)} acknowledged writes`;
  });
const lostSpan = (config: string) => on(RPO, (r) => s(S.rpo(r, config, "lost_span_ms").mean));
const redisLost = (mode: string) =>
  on(PERS, (r) => {
    const l = S.persistence(r, mode, "lost").mean, a = S.persistence(r, mode, "writes_acked").mean;
    return `${n(l)} of ${n(a)} (${formatPercent(a ? l / a : 0)})`;
  });
const redisRate = (mode: string) => on(PERS, (r) => writes(S.persistence(r, mode, "writes_per_s")));
const redisRestart = (mode: string) =>
  on(PERS, (r) => s(S.restartMs(r, mode, Math.max(...S.restartSizes(r)))));
const codecStored = (codec: string) =>
  on(BACKUPS, (r) => mb(S.compression(r, "stored_bytes", codec, Math.max(...compressionSizes(r)))));
const codecMs = (codec: string) =>
  on(BACKUPS, (r) => s(S.compression(r, "backup_ms", codec, Math.max(...compressionSizes(r)))));
const compressionSizes = (
  r: Rows,
) => [...new Set(r.filter((x) => x.part === "compression").map((x) => Number(x.size_mb)))];

/** Text of a figure of an engine that has no measured rows in `file` (not run yet). */
const NOT_MEASURED = "not measured yet";

/** `f` on the rows of `engine` in `file`, or {@link NOT_MEASURED} when there are none. */
const ofEngine = (file: string, engine: string, f: (rows: Rows) => string) =>
  on(file, (all) => {
    const rows = all.filter((r) => r.engine === engine && r.metric !== "skipped");
    return rows.length === 0 ? NOT_MEASURED : f(rows);
  });

/** Figures of another engine's backups part: its largest size, backups, restores, rate. */
function backupsOf(prefix: string, engine: string, tool: string, types: readonly string[]) {
  const big = (r: Rows) => Math.max(...S.sizes(r, engine));
  const out: Record<string, FigureSet[string]> = {
    [`${prefix}.size_large`]: ofEngine(BACKUPS, engine, (r) => mb(S.dbBytes(r, big(r), engine))),
    [`${prefix}.rows_large`]: ofEngine(
      BACKUPS,
      engine,
      (r) => n(S.one(r, "rows", { part: "load", size_mb: big(r) })),
    ),
    [`${prefix}.rate`]: ofEngine(
      BACKUPS,
      engine,
      (r) => restoreMbS(r, tool, types[0]),
    ),
    [`${prefix}.rto_100gb`]: ofEngine(
      BACKUPS,
      engine,
      (r) =>
        formatNumber(S.extrapolatedRtoS(r, tool, types[0], 100) / 60, { decimals: 0, unit: "min" }),
    ),
  };
  for (const type of types) {
    out[`${prefix}.${type}_ms_large`] = ofEngine(
      BACKUPS,
      engine,
      (r) => s(S.backupMetric(r, "backup_ms", tool, type, big(r))),
    );
    out[`${prefix}.${type}_stored_large`] = ofEngine(
      BACKUPS,
      engine,
      (r) => mb(S.backupMetric(r, "stored_bytes", tool, type, big(r))),
    );
    out[`${prefix}.rto_${type}_large`] = ofEngine(
      BACKUPS,
      engine,
      (r) => s(S.rto(r, tool, type, big(r))),
    );
  }
  return out;
}

/** A PITR drill's verdict in words. */
function pitrVerdict(rows: Rows, engine: string): string {
  const p = S.pitr(rows, engine);
  return p.valid
    ? `exact: all ${
      n(p.before)
    } writes acknowledged before the target present, ${p.presentAfter} of ${
      n(p.after)
    } begun after it (${p.inFlight} in flight at the target, either way allowed)`
    : `NOT exact: ${p.missingBefore} acknowledged before the target missing, ${p.presentAfter} begun after present`;
}

/** D7's figures. */
export const backupFigures: FigureSet = {
  ...backupsOf("backup.mariadb", "mariadb", "mariadb-backup", ["full", "incr"]),
  "backup.mariadb.pitr_verdict": ofEngine(PITR, "mariadb", (r) => pitrVerdict(r, "mariadb")),
  "backup.mariadb.pitr_rto": ofEngine(
    PITR,
    "mariadb",
    (r) => s(S.pointOf(r, "rto_ms", { part: "pitr" }).mean),
  ),
  "backup.mariadb.pitr_rate": ofEngine(
    PITR,
    "mariadb",
    (r) => writes(S.pointOf(r, "writes_per_s", { part: "pitr" })),
  ),
  ...backupsOf("backup.clickhouse", "clickhouse", "clickhouse-backup", ["full", "incr"]),
  ...backupsOf("backup.clickhouse_rebuild", "clickhouse", "clickhouse-rebuild", ["reinsert"]),
  "backup.size_small": on(BACKUPS, (r) => mb(S.dbBytes(r, smallest(r), PG))),
  "backup.size_large": on(BACKUPS, (r) => mb(S.dbBytes(r, largest(r), PG))),
  "backup.verified": on(BACKUPS, (r) => {
    const v = S.verification(r);
    return `${v.verified} of ${v.restores}`;
  }),
  "backup.full_ms_large": on(
    BACKUPS,
    (r) => s(S.backupMetric(r, "backup_ms", "pgbackrest", "full", largest(r))),
  ),
  "backup.full_stored_large": on(
    BACKUPS,
    (r) => mb(S.backupMetric(r, "stored_bytes", "pgbackrest", "full", largest(r))),
  ),
  "backup.incr_ms_large": on(
    BACKUPS,
    (r) => s(S.backupMetric(r, "backup_ms", "pgbackrest", "incr", largest(r))),
  ),
  "backup.incr_stored_large": on(
    BACKUPS,
    (r) => mb(S.backupMetric(r, "stored_bytes", "pgbackrest", "incr", largest(r))),
  ),
  "backup.diff_stored_large": on(
    BACKUPS,
    (r) => mb(S.backupMetric(r, "stored_bytes", "pgbackrest", "diff", largest(r))),
  ),
  "backup.basebackup_ms_large": on(
    BACKUPS,
    (r) => s(S.backupMetric(r, "backup_ms", "pg_basebackup", "full", largest(r))),
  ),
  "backup.dump_ms_large": on(
    BACKUPS,
    (r) => s(S.backupMetric(r, "backup_ms", "pg_dump", "logical", largest(r))),
  ),
  "backup.rto_pgbackrest_full_small": rtoAt("pgbackrest", "full", smallest),
  "backup.rto_pgbackrest_full_large": rtoAt("pgbackrest", "full", largest),
  "backup.rto_pgbackrest_incr_large": rtoAt("pgbackrest", "incr", largest),
  "backup.rto_basebackup_small": rtoAt("pg_basebackup", "full", smallest),
  "backup.rto_basebackup_large": rtoAt("pg_basebackup", "full", largest),
  "backup.rto_dump_small": rtoAt("pg_dump", "logical", smallest),
  "backup.rto_dump_large": rtoAt("pg_dump", "logical", largest),
  "backup.rate_pgbackrest": on(
    BACKUPS,
    (r) => restoreMbS(r, "pgbackrest", "full"),
  ),
  "backup.rate_dump": on(
    BACKUPS,
    (r) => restoreMbS(r, "pg_dump", "logical"),
  ),
  "backup.rto_100gb_pgbackrest": on(
    BACKUPS,
    (r) =>
      formatNumber(S.extrapolatedRtoS(r, "pgbackrest", "full", 100) / 60, {
        decimals: 0,
        unit: "min",
      }),
  ),
  "backup.rto_100gb_dump": on(
    BACKUPS,
    (r) =>
      formatNumber(S.extrapolatedRtoS(r, "pg_dump", "logical", 100) / 60, {
        decimals: 0,
        unit: "min",
      }),
  ),
  "backup.codec_size": on(BACKUPS, (r) => mb(S.dbBytes(r, Math.max(...compressionSizes(r)), PG))),
  "backup.stored_lz4": codecStored("lz4"),
  "backup.stored_zst": codecStored("zst"),
  "backup.stored_gz": codecStored("gz"),
  "backup.stored_none": codecStored("none"),
  "backup.ms_lz4": codecMs("lz4"),
  "backup.ms_zst": codecMs("zst"),
  "backup.ms_gz": codecMs("gz"),
  "backup.ms_none": codecMs("none"),
  "backup.pitr_verdict": on(PITR, (r) => pitrVerdict(r, PG)),
  "backup.pitr_rto": on(PITR, (r) => s(S.pointOf(r, "rto_ms", { engine: PG, part: "pitr" }).mean)),
  "backup.pitr_rate": on(
    PITR,
    (r) => writes(S.pointOf(r, "writes_per_s", { engine: PG, part: "pitr" })),
  ),
  "backup.rpo_archive_1s": lost("archive_timeout_1s"),
  "backup.rpo_archive_5s": lost("archive_timeout_5s"),
  "backup.rpo_archive_1s_span": lostSpan("archive_timeout_1s"),
  "backup.rpo_archive_5s_span": lostSpan("archive_timeout_5s"),
  "backup.rpo_standby_async": lost("standby_async"),
  "backup.rpo_standby_sync": lost("standby_sync"),
  "backup.recovery_archive_1s": on(
    RPO,
    (r) => s(S.rpo(r, "archive_timeout_1s", "recovery_ms").mean),
  ),
  "backup.promote_sync": on(RPO, (r) => s(S.rpo(r, "standby_sync", "recovery_ms").mean)),
  "backup.redis_lost_rdb": redisLost("rdb"),
  "backup.redis_lost_everysec": redisLost("aof_everysec"),
  "backup.redis_lost_always": redisLost("aof_always"),
  "backup.redis_rate_rdb": redisRate("rdb"),
  "backup.redis_rate_everysec": redisRate("aof_everysec"),
  "backup.redis_rate_always": redisRate("aof_always"),
  "backup.redis_keys": on(PERS, (r) => n(Math.max(...S.restartSizes(r)))),
  "backup.redis_restart_rdb": redisRestart("rdb"),
  "backup.redis_restart_everysec": redisRestart("aof_everysec"),
  "backup.redis_restart_always": redisRestart("aof_always"),
  "backup.skipped": async (d) => {
    const rows = [
      ...await d.rows(BACKUPS),
      ...await d.rows(PITR),
      ...await d.rows(RPO),
      ...await d.rows(PERS),
    ];
    const sk = S.skipped(rows);
    return sk.length === 0 ? "none" : [...new Set(sk.map((x) => x.engine))].join(", ");
  },
};

/**
 * What a store must offer the backup-and-recovery experiment (YCSB's habit: the parts know
 * only these verbs; one binding file per engine implements them). A binding declares the parts
 * it serves by its capabilities:
 *
 * - `backups` — a dataset of a chosen size, the backup tools that copy it, and a fingerprint
 *   (row counts and checksums) every restore is verified against (part 1);
 * - `pitr` — a write ledger and an archive that restores to a point in time (part 2);
 * - `rpo` — the same ledger, the archive under `archive_timeout` settings and a standby to
 *   promote, after the primary's disk is lost (part 3);
 * - `persistence` — persistence modes of an in-memory store, judged by a crash (part 4).
 *
 * @module
 */

import type { Engine, EngineNode, EngineSpec } from "../../engines/mod.ts";
import type { Binding } from "../binding.ts";
import type { BackupTaken, Restored } from "../../engines/types.ts";

export type { BackupTaken, Restored } from "../../engines/types.ts";

/** A table of writes, one new key per write, that a recovered copy is judged against. */
export interface Ledger {
  /** Create what the writes go into (on the primary). */
  setup(node: EngineNode): Promise<void>;
  /** One client connection that writes one key per call, acknowledged when it resolves. */
  writer(node: EngineNode): Promise<LedgerWriter>;
  /** Every ledger key the node holds. */
  keys(node: EngineNode): Promise<Set<string>>;
}

/** One writing client of a {@link Ledger}. */
export interface LedgerWriter {
  write(key: string): Promise<void>;
  close(): Promise<void>;
}

/** Where a tool's backups of one server are kept, and how they come back. */
export interface BackupRepo {
  /** Take a backup of `type` (one of the tool's types) with `compression`. */
  backup(type: string, compression?: string): Promise<BackupTaken>;
  /**
   * Restore into a new engine (the caller verifies and stops it): `label` a backup taken
   * (default the latest), `targetTime` a point in time (ISO text), `toBackup` stop at the
   * backup's own consistent point instead of replaying the whole log.
   */
  restore(options?: { label?: string; targetTime?: string; toBackup?: boolean }): Promise<Restored>;
  /** Make every acknowledged commit so far reach the archive (a log switch). */
  flushLog?(): Promise<void>;
  close(): Promise<void>;
}

/** A backup tool of a store. */
export interface BackupTool {
  /** The `tool` column: `pgbackrest`, `pg_basebackup`, `pg_dump`. */
  readonly name: string;
  /** Backup types in the order taken; the first is the base (`full`, `logical`). */
  readonly types: readonly string[];
  /** Compression types swept with full backups; the first is the default of the types above. */
  readonly compressions?: readonly string[];
  /** Open a repository for `engine`. */
  open(engine: Engine): Promise<BackupRepo>;
}

/** Row count and checksum of a dataset: what a restore must reproduce. */
export interface Fingerprint {
  rows: number;
  checksum: string;
}

/** Part 1: datasets of a size, the tools, the verification. */
export interface BackupsCapability {
  readonly tools: readonly BackupTool[];
  /** Load a dataset of about `mb` MB; returns rows and the database's measured bytes. */
  load(engine: Engine, mb: number): Promise<{ rows: number; bytes: number }>;
  /** Change a `share` of the dataset (appends to the newest data, a few updates). */
  change(engine: Engine, share: number): Promise<void>;
  fingerprint(node: EngineNode): Promise<Fingerprint>;
}

/** Part 2: a ledger and the archive that restores it to a time. */
export interface PitrCapability {
  readonly ledger: Ledger;
  /** The archiving tool (its `open` sets up continuous archiving). */
  readonly archive: BackupTool;
  /**
   * The resolution of the archive's time targets, when coarser than the clock (MariaDB's
   * binlog: 1000 ms). The drill then puts its target on a multiple of it, where a restore to
   * that time is still exact against the client's record.
   */
  readonly targetResolutionMs?: number;
}

/** Part 3: recovery after the primary's data directory is gone. */
export interface RpoCapability {
  readonly ledger: Ledger;
  readonly archive: BackupTool;
  /** Server settings for an archive that ships at least every `seconds`. */
  archiveSettings(seconds: number): Record<string, string>;
  /** Promote a standby to primary; resolves when it takes writes. */
  promote(node: EngineNode): Promise<void>;
}

/** One persistence mode of an in-memory store. */
export interface PersistenceMode {
  /** The `mode` column: `rdb`, `aof_everysec`, `aof_always`. */
  readonly name: string;
  readonly settings: Readonly<Record<string, string>>;
  /** One line for people: what is written when. */
  readonly describe: string;
}

/** Part 4: a store whose durability is a setting. */
export interface PersistenceCapability {
  readonly ledger: Ledger;
  readonly modes: readonly PersistenceMode[];
  /** Write `keys` keys of filler data (for restart time against size). */
  preload(node: EngineNode, keys: number): Promise<void>;
  /** Take the mode's snapshot now (what a schedule would have done before the crash). */
  snapshot(node: EngineNode): Promise<void>;
  /** Keys the store holds. */
  size(node: EngineNode): Promise<number>;
}

/** A store of the experiment: its engine and the parts it serves. */
export interface BackupBinding extends Binding {
  /** The spec every part starts (e.g. archiving on, a Unix socket for the backup tool). */
  readonly spec?: Readonly<Omit<EngineSpec, "engine">>;
  readonly backups?: BackupsCapability;
  readonly pitr?: PitrCapability;
  readonly rpo?: RpoCapability;
  readonly persistence?: PersistenceCapability;
}

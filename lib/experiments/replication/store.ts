/**
 * The replication experiment's database side, one implementation per engine: a log of
 * numbered writes on the primary (the load), reads of a key's newest version and of the
 * write numbers a replica already shows (the client's view of lag), and the engine's own
 * view of how far each replica is behind (to cross-check the client).
 *
 * The data model is one "register" per key: write `seq` to key `k` appends (seq, k) and a
 * read of `k` returns the highest seq written to it, or null — what the history checker in
 * lib/checks/history.ts judges.
 */

import type { EngineNode, ReplicationSpec } from "../../engines/types.ts";

/** What the primary said about one write. */
export type WriteOutcome =
  /** Acknowledged with the durability the mode promises. */
  | "ok"
  /**
   * Acknowledged, but the replication wait was given up (PostgreSQL cancelled the wait for
   * the synchronous standby; Redis WAIT timed out): committed on the primary only.
   */
  | "unreplicated";

/** One connection to the primary that writes. */
export interface ReplWriter {
  /** Writes version `seq` of key `key`; resolves when the primary acknowledges it. */
  write(seq: number, key: number): Promise<WriteOutcome>;
  close(): Promise<void>;
}

/** One connection to a node (usually a replica) that reads. */
export interface ReplReader {
  /** The newest version of `key` this node shows, or null. */
  read(key: number): Promise<number | null>;
  /** Write numbers above `watermark` (exclusive) that this node shows (any order). */
  visibleAbove(watermark: number): Promise<number[]>;
  close(): Promise<void>;
}

/** One reading of the engine's own view of a replica's lag. */
export interface EngineLagSample {
  /** `performance.now()` when the reading was taken (ms). */
  tMs: number;
  /** Replica name. */
  node: string;
  /**
   * `replay_lag_ms` (PostgreSQL pg_stat_replication, also write_lag_ms/flush_lag_ms),
   * `backlog_bytes` (PostgreSQL WAL or Redis replication-stream bytes not yet applied),
   * `backlog_tx` (MariaDB transactions by GTID seq_no), `seconds_behind` (MariaDB).
   */
  metric: string;
  value: number;
}

/** A cumulative counter of replication-stream bytes the primary has produced. */
export interface StreamPosition {
  /** Bytes (PostgreSQL WAL LSN, Redis master_repl_offset) or transactions (MariaDB GTID). */
  value: number;
  unit: "bytes" | "tx";
}

/** Set-up, connections and engine-side lag for one started engine. */
export interface ReplicationStore {
  /** Create the log table (idempotent) and wait until every replica has it. */
  setup(): Promise<void>;
  /** A writer on the primary at a consistency level (see {@link ReplicationMode.level}). */
  writer(level: string, timeoutMs: number): Promise<ReplWriter>;
  /** A reader on a node. */
  reader(node: EngineNode): Promise<ReplReader>;
  /** The engine's own view of every replica's lag, now. */
  engineLag(): Promise<EngineLagSample[]>;
  /** How much replication stream the primary has produced so far. */
  position(): Promise<StreamPosition>;
  close(): Promise<void>;
}

/** Engines of the experiment. */
export const REPLICATION_ENGINES = ["postgres", "mariadb", "redis"] as const;

/** An engine of the experiment. */
export type ReplicationEngine = typeof REPLICATION_ENGINES[number];

/** One consistency level to measure: an engine cluster set-up plus a per-writer level. */
export interface ReplicationMode {
  /** Id used in rows and charts, e.g. `pg_remote_apply`. */
  id: string;
  engine: ReplicationEngine;
  /** How the cluster is started (modes with equal `cluster` share one engine start). */
  cluster: ReplicationSpec;
  /**
   * Writer level: PostgreSQL `synchronous_commit` set per session (`local` = do not wait);
   * Redis `wait` (WAIT for one replica after each write) or `none`; MariaDB `default`.
   */
  level: string;
  /** True when the primary waits for a replica before acknowledging. */
  waitsForReplica: boolean;
  /** One line for readers. */
  describe: string;
}

/** The modes the experiment compares, in display order. */
export const REPLICATION_MODES: readonly ReplicationMode[] = [
  {
    id: "pg_async",
    engine: "postgres",
    cluster: { mode: "async" },
    level: "on",
    waitsForReplica: false,
    describe: "PostgreSQL streaming replication, asynchronous (commit flushed locally only)",
  },
  {
    id: "pg_remote_write",
    engine: "postgres",
    cluster: { mode: "sync", synchronousCommit: "on" },
    level: "remote_write",
    waitsForReplica: true,
    describe:
      "PostgreSQL synchronous standby, synchronous_commit = remote_write (standby has written WAL to its OS)",
  },
  {
    id: "pg_on",
    engine: "postgres",
    cluster: { mode: "sync", synchronousCommit: "on" },
    level: "on",
    waitsForReplica: true,
    describe: "PostgreSQL synchronous standby, synchronous_commit = on (standby has flushed WAL)",
  },
  {
    id: "pg_remote_apply",
    engine: "postgres",
    cluster: { mode: "sync", synchronousCommit: "on" },
    level: "remote_apply",
    waitsForReplica: true,
    describe:
      "PostgreSQL synchronous standby, synchronous_commit = remote_apply (standby has applied: visible)",
  },
  {
    id: "mariadb_async",
    engine: "mariadb",
    cluster: { mode: "async" },
    level: "default",
    waitsForReplica: false,
    describe: "MariaDB GTID replication, asynchronous",
  },
  {
    id: "mariadb_semisync",
    engine: "mariadb",
    cluster: { mode: "semisync" },
    level: "default",
    waitsForReplica: true,
    describe:
      "MariaDB semi-synchronous (a replica has received the event; falls back to async after 10 s)",
  },
  {
    id: "redis_async",
    engine: "redis",
    cluster: { mode: "async" },
    level: "none",
    waitsForReplica: false,
    describe: "Redis replication, asynchronous",
  },
  {
    id: "redis_wait",
    engine: "redis",
    cluster: { mode: "async" },
    level: "wait",
    waitsForReplica: true,
    describe: "Redis with WAIT 1 after each write (a replica has received it; WAIT times out)",
  },
];

/** Look up modes by id; one-line error naming the valid ids. */
export function parseModes(ids: readonly string[]): ReplicationMode[] {
  return ids.map((id) => {
    const m = REPLICATION_MODES.find((x) => x.id === id);
    if (!m) {
      throw new Error(
        `replication: unknown mode "${id}"; use ${REPLICATION_MODES.map((x) => x.id).join(", ")}`,
      );
    }
    return m;
  });
}

/**
 * What a store must offer the replication experiment (its binding interface): a log of
 * numbered writes on the primary (the load), reads of a key's newest version and of the
 * write numbers a replica already shows (the client's view of lag), and the engine's own
 * view of how far each replica is behind (to cross-check the client). Each binding also
 * declares the replication modes it offers: the cluster each needs, the per-writer level and
 * what the mode adds to a row's engine_config. One binding file per engine implements it;
 * the experiment (./mod.ts) sweeps what each binding declares.
 *
 * The data model is one "register" per key: write `seq` to key `k` appends (seq, k) and a
 * read of `k` returns the highest seq written to it, or null — what the history checker in
 * lib/checks/history.ts judges.
 *
 * @module
 */

import type { Engine, EngineNode, ReplicationSpec } from "../../engines/mod.ts";
import type { Binding } from "../binding.ts";

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

/** One consistency level to measure: a cluster set-up plus a per-writer level. */
export interface ReplicationMode {
  /** Id used in rows and charts, e.g. `pg_remote_apply`; unique across bindings. */
  readonly id: string;
  /** How the cluster is started (a binding's modes with equal `cluster` share one start). */
  readonly cluster: ReplicationSpec;
  /** The writer level its store's {@link ReplicationStore.writer} takes. */
  readonly level: string;
  /** True when the primary waits for a replica before acknowledging. */
  readonly waitsForReplica: boolean;
  /** One line for readers. */
  readonly describe: string;
  /**
   * What the mode sets beyond the engine's settings, as engine_config entries (a writer
   * level set per session is not in the engine's settings, yet decides the result).
   */
  readonly engineConfig: Readonly<Record<string, string>>;
}

/** An engine bound to the replication experiment. */
export interface ReplicationBinding extends Binding {
  /** The modes it offers, in display order. */
  readonly modes: readonly ReplicationMode[];
  /** The store on a started cluster (primary and replicas). */
  store(engine: Engine): ReplicationStore;
}

/**
 * A binding's modes grouped by the cluster they need, in first-seen order: each group runs
 * on one engine start (PostgreSQL's synchronous levels are set per session, on one cluster).
 */
export function clusterGroups(modes: readonly ReplicationMode[]): ReplicationMode[][] {
  const groups = new Map<string, ReplicationMode[]>();
  for (const m of modes) {
    const key = JSON.stringify([m.cluster.mode, m.cluster.synchronousCommit ?? ""]);
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  return [...groups.values()];
}

/**
 * What a store must offer the failover experiment (YCSB's habit: the experiment knows this
 * interface, one file per engine implements it). A store is a replicated group of nodes a
 * client can address one by one; the experiment writes unique ids to every node at once, hits
 * the primary with a fault, and afterwards reads what survived.
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import type { Binding } from "../binding.ts";

/** A write the server definitely refused (read-only node, connection refused): not applied. */
export class Refused extends Error {}

/** A replication mode of a binding: its label and what to start for it. */
export interface FailoverMode {
  /** `async`, `sync`, `no_wait`, `wait` ... (the `mode` column). */
  name: string;
  /** Spec options merged into the binding's (e.g. `{ synchronousMode: true }`). */
  options?: Readonly<Record<string, unknown>>;
  /** Server settings merged into the binding's (e.g. Redis's `min-replicas-to-write`). */
  settings?: Readonly<Record<string, string | number>>;
  /** The faults this mode takes (default all of the binding's). */
  faults?: readonly FaultKind[];
}

/** The faults a store's engine can take here. */
export type FaultKind = "kill" | "partition";

/** An open store: per-node writes, the fault verbs, and the final read. */
export interface FailoverStore {
  /** The data nodes clients may address (whatever their role now). */
  readonly nodes: readonly string[];
  /** Create what the writes need (on the primary). */
  setup(): Promise<void>;
  /** The node that is primary now (the fault's target). */
  primary(): Promise<string>;
  /**
   * Write `id` through `node`; resolve when acknowledged, throw {@link Refused} when the
   * server definitely did not apply it, anything else when the outcome is unknown.
   */
  write(node: string, id: number, timeoutMs: number): Promise<void>;
  /** Crash the node (kill -9 of every process it has). */
  kill(node: string): Promise<void>;
  /** Cut the node off from every other node (not from clients on its side). */
  partition?(node: string): Promise<void>;
  heal?(node: string): Promise<void>;
  /** Bring a killed node back (it rejoins as a replica); undefined: the store cannot. */
  recover?(node: string): Promise<void>;
  /** Wait until one primary serves and every live replica follows it. */
  settle(timeoutMs: number): Promise<void>;
  /** The ids present on the current primary. */
  readIds(): Promise<number[]>;
  /**
   * The ids present on one node, for a store whose every node serves reads (multi-primary):
   * the scenario reads each node after the heal, and the checker compares them (divergence).
   */
  readIdsOn?(node: string): Promise<number[]>;
  /** The last lines of the nodes' own logs, for a scenario that went unexpectedly. */
  diagnose?(): string;
  /** Close the client connections. */
  close(): Promise<void>;
}

/** One store bound to the failover experiment. */
export interface FailoverBinding extends Binding {
  /** The data domain it stands for in the ADR (orders, sessions ...). */
  readonly domain: string;
  /** Replication modes measured (each on a fresh engine). */
  readonly modes: readonly FailoverMode[];
  /** Faults it can take here. */
  readonly faults: readonly FaultKind[];
  /**
   * Engine options an engine start needs for a fault (a partition needs the nodes in network
   * namespaces), merged in only for the starts that serve that fault.
   */
  readonly faultOptions?: Readonly<Partial<Record<FaultKind, Readonly<Record<string, unknown>>>>>;
  /**
   * True when a killed node can rejoin (the store has `recover`), so one engine start serves
   * every round; otherwise each kill round starts a fresh engine.
   */
  readonly recovers: boolean;
  /** Open the store on a started engine of this binding in that mode. */
  open(engine: Engine, mode: FailoverMode): Promise<FailoverStore>;
}

/** A client session on a path's primary doing single-row autocommit inserts. */
export interface PathWriter {
  /** Insert unique `id`; resolves when the commit is acknowledged. */
  insert(id: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A primary and one streaming standby whose replication stream runs through a proxy that adds
 * a round trip (the distance part): clients sit beside the primary, the lag probe beside the
 * standby, and only replication crosses the distance.
 */
export interface ReplicationPath {
  /** The primary's engine (the provenance of the rows). */
  readonly engine: Engine;
  /** Settings to record: the engine's, the proxy's version and how the delay is applied. */
  readonly settings: Readonly<Record<string, string>>;
  /** Create what the writes need. */
  setup(): Promise<void>;
  /** Set the round trip the replication stream sees (ms), on connections already open. */
  setRoundTrip(rttMs: number): Promise<void>;
  /** Median of `samples` client round trips through the proxy (ms): the delay in effect. */
  probeRoundTrip(samples: number): Promise<number>;
  /**
   * A writer at a commit level of the binding's {@link DistanceBinding.syncLevels}, or at the
   * path's own default (undefined).
   */
  writer(level?: string): Promise<PathWriter>;
  /** How far the standby is behind now (ms): the age of the newest commit it shows. */
  lagMs(): Promise<number>;
  /**
   * Crash the primary (kill -9) and cut its link at the same instant, dropping what is in
   * flight (a region outage: the standby keeps only what it had received).
   */
  crashPrimary(): Promise<void>;
  /** Promote the standby; resolves when it takes writes. */
  promoteStandby(): Promise<void>;
  /** The ids the standby holds. */
  standbyIds(): Promise<number[]>;
  /** Close clients and stop the primary and standby (the proxy is the binding's engine). */
  close(): Promise<void>;
}

/** A store of the distance part: its engine is the proxy; it starts the path behind it. */
export interface DistanceBinding extends Binding {
  readonly domain: string;
  /** Commit levels timed against a synchronous standby (the `mode` column: `sync_<level>`). */
  readonly syncLevels: readonly string[];
  /** Start a path behind the started proxy, with a synchronous or an asynchronous standby. */
  open(proxy: Engine, standby: "sync" | "async"): Promise<ReplicationPath>;
}

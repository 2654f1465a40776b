/**
 * The engine API's vocabulary: what to start (a spec), and what you get back (a started
 * engine that only answers questions, takes faults and stops). Every provider — a private
 * native process, a testcontainers container or an external URL — returns the same
 * {@link Engine}, so experiments never care where an engine runs.
 */

/** Every engine the workspace compares. */
export const ENGINE_NAMES = [
  "postgres",
  "mariadb",
  "redis",
  "memcached",
  "influxdb",
  "clickhouse",
  "cockroachdb",
  "timescaledb",
  "hazelcast",
] as const;

/** Name of an engine the workspace knows how to start or reach. */
export type EngineName = typeof ENGINE_NAMES[number];

/** The three ways to get a running engine. */
export const PROVIDER_NAMES = ["native", "docker", "external"] as const;

/** How an engine is provided: private process, container, or somebody else's server. */
export type ProviderName = typeof PROVIDER_NAMES[number];

/** Replication between a primary and its replicas, for engines that have it. */
export interface ReplicationSpec {
  /**
   * `async`: the primary acknowledges before replicas have the write.
   * `sync`: PostgreSQL synchronous standbys (with {@link synchronousCommit}).
   * `semisync`: MariaDB semi-synchronous replication.
   */
  mode: "async" | "sync" | "semisync";
  /** PostgreSQL `synchronous_commit` on the primary when mode is `sync` (default `on`). */
  synchronousCommit?: "remote_write" | "on" | "remote_apply" | "local" | "off";
}

/** What to start: one engine, optionally with replicas and server-side settings. */
export interface EngineSpec {
  engine: EngineName;
  /** Force a provider; default `auto` (external URL if set, else native, else docker). */
  provider?: ProviderName | "auto";
  /** Number of replicas following the primary (PostgreSQL, MariaDB, Redis). Default 0. */
  replicas?: number;
  /** Replication mode; default async. */
  replication?: ReplicationSpec;
  /**
   * Server settings that differ from the engine's defaults, per experiment, e.g.
   * `{ shared_buffers: "256MB" }` for PostgreSQL or `{ maxmemory: "64mb" }` for Redis.
   * They are recorded in {@link Engine.settings} so results carry them.
   */
  settings?: Record<string, string | number | boolean>;
  /** PostgreSQL: archive WAL to a directory (for backup/PITR experiments). */
  walArchive?: boolean;
  /** A fixed loopback port for the primary; default a free one. Fails clearly if taken. */
  port?: number;
  /** A label for this instance (e.g. `shard-2`), used in logs and temp dir names. */
  label?: string;
  /** Give up on readiness after this long; default 60 s. */
  startTimeoutMs?: number;
}

/** One server of a started engine: the primary or a replica. */
export interface EngineNode {
  /** `primary`, `replica1`, `replica2`, ... */
  name: string;
  role: "primary" | "replica";
  host: string;
  port: number;
  /** A connection URL for the engine's usual client (e.g. `postgres://...`). */
  url: string;
  /** Data directory of a native node (for restart/backup experiments). */
  dataDir?: string;
}

/** A started engine: connection details, version, fault verbs and stop. */
export interface Engine extends AsyncDisposable {
  readonly engine: EngineName;
  readonly provider: ProviderName;
  /** The server's own version string, e.g. `15.14`. */
  readonly version: string;
  readonly primary: EngineNode;
  readonly replicas: readonly EngineNode[];
  /** Settings in effect that differ from defaults (what results must record). */
  readonly settings: Readonly<Record<string, string>>;
  /** PostgreSQL WAL archive directory when `walArchive` was asked for. */
  readonly walArchiveDir?: string;
  /** SIGKILL a node (default the primary): a crash, no shutdown. */
  kill(node?: string): Promise<void>;
  /** SIGSTOP a node's processes: the server stops answering but keeps its sockets. */
  pause(node?: string): Promise<void>;
  /** SIGCONT a paused node. */
  resume(node?: string): Promise<void>;
  /** Start a node again on the same data dir and port (after kill or a clean stop). */
  restart(node?: string): Promise<void>;
  /** Stop every node by the server's own shutdown and remove its temp dirs. Idempotent. */
  stop(): Promise<void>;
}

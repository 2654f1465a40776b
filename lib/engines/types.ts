/**
 * The engine API's vocabulary (testcontainers' habit): what to start (an {@link EngineSpec}),
 * how an engine is defined (an {@link EngineDefinition}, one per folder of lib/engines), and
 * what you get back (a started {@link Engine} that only answers questions, takes faults and
 * stops). Every provider — a private native process, a container or an external URL — returns
 * the same {@link Engine}, so experiments never care where an engine runs.
 *
 * @module
 */

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
  /** A name of the engine registry (lib/engines/registry.ts). */
  engine: string;
  /** Force a provider; default `auto` (external URL if set, else native, else docker). */
  provider?: ProviderName | "auto";
  /** Number of replicas following the primary (PostgreSQL, MariaDB, Redis). Default 0. */
  replicas?: number;
  /** Replication mode; default async. */
  replication?: ReplicationSpec;
  /**
   * Server settings that differ from the engine's defaults, per experiment, e.g.
   * `{ shared_buffers: "256MB" }` for PostgreSQL or `{ maxmemory: "64mb" }` for Redis.
   * They are recorded in {@link Engine.settings} so results carry them. A provider that cannot
   * apply them refuses with one line rather than running with defaults.
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
  /** Engine-specific options a definition documents (cluster size, members...). */
  options?: Readonly<Record<string, unknown>>;
}

/** One server of a started engine: the primary, a replica, or another member. */
export interface EngineNode {
  /** `primary`, `replica1`, `replica2`, `member2`, `sentinel1`, ... */
  name: string;
  /** `primary` and `replica` for replicated engines; clusters may use other roles. */
  role: "primary" | "replica" | (string & Record<never, never>);
  host: string;
  port: number;
  /** A connection URL for the engine's usual client (e.g. `postgres://...`). */
  url: string;
  /** Data directory of a native node (for restart/backup experiments). */
  dataDir?: string;
}

/** A started engine: connection details, version, fault verbs and stop. */
export interface Engine extends AsyncDisposable {
  /** The registry name it was started as. */
  readonly engine: string;
  readonly provider: ProviderName;
  /** The server's own version string, e.g. `15.14`. */
  readonly version: string;
  readonly primary: EngineNode;
  readonly replicas: readonly EngineNode[];
  /** Every node, primary first (clusters add members beyond primary and replicas). */
  readonly nodes: readonly EngineNode[];
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

/**
 * A container recipe for the docker provider. `settings` turns an {@link EngineSpec}'s
 * settings into what the image understands (command-line flags, environment); without it a
 * spec with settings is refused, so no result is ever labelled with settings it did not run
 * with.
 */
export interface DockerRecipe {
  image: string;
  /** The port clients use inside the container. */
  port: number;
  env?: Record<string, string>;
  command?: string[];
  /** Extra command-line arguments and environment for the spec's settings. */
  settings?(settings: Record<string, string>): { args?: string[]; env?: Record<string, string> };
  /** A log line that means "ready" and how many times it must appear. */
  readyLog?: { pattern: RegExp; times?: number };
  /** Connection URL for a mapped host and port. */
  url(host: string, port: number): string;
}

/** Why the native provider cannot run an engine here. */
export interface NativeMissing {
  /** One line: what is missing and how to get it. */
  reason: string;
  /** True when the set-up should have installed it (a missing binary is then an error). */
  fatal: boolean;
}

/**
 * One engine of the registry: a real ping and a version query (shared by every provider), a
 * native start, a docker recipe and the variable naming an external URL. Each lives in its own
 * folder of lib/engines (with its client helpers beside it) and takes one registry line.
 */
export interface EngineDefinition {
  /** The registry name (also the `engine` column of result rows). */
  name: string;
  /** One line for people: what it is and how it is run here. */
  describe: string;
  /** Environment variable holding an external URL (e.g. BENCH_POSTGRES_URL). */
  urlEnv: string;
  /** A real round trip (query, PING, version command); throws when the node does not answer. */
  ping(node: EngineNode): Promise<unknown>;
  /** The server's own version string. */
  version(node: EngineNode): Promise<string>;
  /** Why the native provider cannot run here, or undefined when it can. */
  nativeMissing(): NativeMissing | undefined;
  /** Start private processes. */
  startNative?(spec: EngineSpec): Promise<Engine>;
  /** Container recipe; undefined when the engine has no docker path. */
  docker?: DockerRecipe;
  /** Engines with replication that the docker provider cannot set up say so. */
  dockerReplicas?: false;
}

/** One backup an engine's backup tool took: its label, type, wall time and sizes. */
export interface BackupTaken {
  label: string;
  type: string;
  ms: number;
  /** What the tool reports it backed up (database files, a dump's or a backup's own size). */
  dbBytes: number;
  /** What the backup added to its repository or directory (an incremental: its new parts). */
  storedBytes: number;
}

/** A server (or embedded copy) restored from a backup: the caller stops it; each half timed. */
export interface Restored {
  engine: Engine;
  /** Putting the data in place (the tool's restore, a copy and prepare, a rebuild). */
  restoreMs: number;
  /** From the start until it answers out of recovery (log replay to a target included). */
  startMs: number;
}

/**
 * PostgreSQL 15: a private primary with N streaming replicas (async or synchronous with a
 * chosen `synchronous_commit`), optional WAL archiving; the docker and external providers
 * reach any PostgreSQL-wire server. Client helpers are in ./client.ts; backup and restore
 * verbs (pgBackRest, pg_basebackup, pg_dump) in ./backup.ts.
 *
 * Options (`EngineSpec.options`): `unixSocket: true` also listens on a Unix socket in the
 * engine's temp dir (recorded as the `unix_socket_directories` setting): pgBackRest reaches
 * the server only that way. `upstreamPort: <port>` points every replica's `primary_conninfo` at
 * that loopback port instead of the primary's (a proxy in front of the primary, such as
 * Toxiproxy adding distance); the base backup still comes straight from the primary.
 */

import { EngineError } from "../runtime/errors.ts";
import { NativeEngine } from "../runtime/native.ts";
import { assertPortFree, freePort, LOOPBACK, waitUntil } from "../runtime/net.ts";
import { missingDebianBinary, NativeServer, requireBinary, runTool } from "../runtime/process.ts";
import type { Engine, EngineDefinition, EngineNode, EngineSpec } from "../types.ts";
import { queryPostgres } from "./client.ts";

const BIN = "/usr/lib/postgresql/15/bin";
const OS_USER = "postgres";

function nodeAt(
  name: string,
  role: "primary" | "replica",
  port: number,
  dataDir?: string,
): EngineNode {
  return {
    name,
    role,
    host: LOOPBACK,
    port,
    url: `postgres://postgres@${LOOPBACK}:${port}/postgres`,
    dataDir,
  };
}

/** Settings written to the primary's postgresql.conf (replicas inherit them). */
function primarySettings(spec: EngineSpec, archiveDir?: string): Record<string, string> {
  const s: Record<string, string> = {};
  const replicas = spec.replicas ?? 0;
  if (replicas > 0 && spec.replication?.mode === "sync") {
    const names = Array.from({ length: replicas }, (_, i) => `replica${i + 1}`).join(", ");
    // One synchronous standby, the first listed that is connected: the usual HA set-up.
    s.synchronous_standby_names = `FIRST 1 (${names})`;
    s.synchronous_commit = spec.replication.synchronousCommit ?? "on";
  } else if (spec.replication?.mode === "semisync") {
    throw new EngineError(
      `postgres: replication mode "semisync" is MariaDB's; use "sync" or "async"`,
    );
  }
  if (archiveDir) {
    s.archive_mode = "on";
    s.archive_command = `test ! -f ${archiveDir}/%f && cp %p ${archiveDir}/%f`;
  }
  for (const [k, v] of Object.entries(spec.settings ?? {})) s[k] = String(v);
  return s;
}

function confLines(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([k, v]) => `${k} = '${v.replaceAll("'", "''")}'\n`)
    .join("");
}

/** The `upstreamPort` option, checked (replicas stream from it instead of the primary). */
function upstreamPort(spec: EngineSpec): number | undefined {
  const p = spec.options?.upstreamPort;
  if (p === undefined) return undefined;
  if (typeof p !== "number" || !Number.isInteger(p) || p < 1024 || p > 65535) {
    throw new EngineError(`postgres: options.upstreamPort must be a port 1024..65535, got ${p}`);
  }
  return p;
}

async function startPostgresNative(spec: EngineSpec): Promise<Engine> {
  requireBinary(`${BIN}/postgres`, "postgresql-15");
  if (spec.port) assertPortFree(spec.port, "postgres");
  const replicas = spec.replicas ?? 0;
  return await NativeEngine.launch("postgres", spec, async (e) => {
    const archiveDir = spec.walArchive ? await e.runDir.subdir("wal_archive", OS_USER) : undefined;
    e.walArchiveDir = archiveDir;
    const settings = primarySettings(spec, archiveDir);
    if (spec.options?.unixSocket === true) {
      settings.unix_socket_directories = await e.runDir.subdir("socket", OS_USER, 0o755);
    }
    e.settings = settings;

    await e.runDir.subdir("logs", OS_USER, 0o755);
    const data = await e.runDir.subdir("primary", OS_USER);
    // trust on loopback only: servers listen on 127.0.0.1 and hold throw-away data.
    await runTool("postgres initdb", {
      cmd: `${BIN}/initdb`,
      args: ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"],
      user: OS_USER,
    });
    await Deno.writeTextFile(`${data}/postgresql.conf`, confLines(settings), { append: true });
    const primary = nodeAt("primary", "primary", spec.port ?? freePort(), data);
    await e.startNode(server(e, primary), primary, () => postgres.ping(primary));
    const upstream = upstreamPort(spec) ?? primary.port;

    for (let i = 1; i <= replicas; i++) {
      const name = `replica${i}`;
      const rdata = await e.runDir.subdir(name, OS_USER);
      await runTool(`postgres ${name} base backup`, {
        cmd: `${BIN}/pg_basebackup`,
        args: [
          "-h",
          LOOPBACK,
          "-p",
          String(primary.port),
          "-U",
          "postgres",
          "-D",
          rdata,
          "-R",
          "-X",
          "stream",
          "-c",
          "fast",
        ],
        user: OS_USER,
      });
      // application_name is how the primary names this standby in synchronous_standby_names.
      await Deno.writeTextFile(
        `${rdata}/postgresql.auto.conf`,
        `primary_conninfo = 'host=${LOOPBACK} port=${upstream} user=postgres application_name=${name}'\n`,
        { append: true },
      );
      const replica = nodeAt(name, "replica", freePort(), rdata);
      await e.startNode(server(e, replica), replica, () => postgres.ping(replica));
      await waitForStreaming(primary, name, e.timeoutMs);
    }
    e.version = await postgres.version(primary);
  }, async (e, name) => {
    if (name !== "primary") await waitForStreaming(e.primary, name, e.timeoutMs);
  });
}

/** The OS user PostgreSQL's servers and tools run as. */
export const POSTGRES_USER = OS_USER;
/** Where PostgreSQL 15's binaries are. */
export const POSTGRES_BIN = BIN;

/**
 * Start one PostgreSQL server on a data directory `prepare` fills (a restore), as an engine
 * like any other: its own temp dir, a free port, `stop()` removes everything. `settings` go on
 * the command line (a restored copy carries the source's configuration: override what must
 * differ, such as `archive_mode`). Ready when it answers a query *and* has left recovery, so
 * the start time includes WAL replay up to a recovery target.
 */
export async function startPostgresOn(
  label: string,
  prepare: (dataDir: string) => Promise<void>,
  settings: Record<string, string> = {},
  timeoutMs = 300_000,
): Promise<{ engine: Engine; prepareMs: number; startMs: number }> {
  let prepareMs = 0, startMs = 0;
  const spec: EngineSpec = { engine: "postgres", label, startTimeoutMs: timeoutMs };
  const engine = await NativeEngine.launch("postgres", spec, async (e) => {
    e.settings = { ...settings };
    await e.runDir.subdir("logs", OS_USER, 0o755);
    const data = await e.runDir.subdir("primary", OS_USER);
    const t0 = performance.now();
    await prepare(data);
    const t1 = performance.now();
    prepareMs = t1 - t0;
    const node = nodeAt("primary", "primary", freePort(), data);
    await e.startNode(server(e, node, settings), node, async () => {
      const [row] = await queryPostgres<{ r: boolean }>(node, "SELECT pg_is_in_recovery() AS r");
      if (row.r) throw new Error("still in recovery");
    });
    startMs = performance.now() - t1;
    e.version = await postgres.version(node);
  });
  return { engine, prepareMs, startMs };
}

function server(
  e: NativeEngine,
  node: EngineNode,
  extra: Record<string, string> = {},
): NativeServer {
  return new NativeServer(
    node.name,
    node.role,
    node.port,
    node.dataDir!,
    `${e.runDir.path}/logs/${node.name}.log`,
    e.runDir,
    () => ({
      cmd: `${BIN}/postgres`,
      // Port and address on the command line: replicas copy the primary's postgresql.conf.
      args: [
        "-D",
        node.dataDir!,
        "-c",
        `port=${node.port}`,
        "-c",
        `listen_addresses=${LOOPBACK}`,
        "-c",
        `unix_socket_directories=${e.settings.unix_socket_directories ?? ""}`,
        ...Object.entries(extra).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
      ],
      user: OS_USER,
      stopSignal: "SIGINT", // PostgreSQL's "fast" shutdown
    }),
  );
}

/** Wait until the primary reports the named standby as streaming. */
export async function waitForStreaming(
  primary: EngineNode,
  name: string,
  timeoutMs = 30_000,
): Promise<void> {
  await waitUntil(async () => {
    const rows = await queryPostgres(
      primary,
      "SELECT state FROM pg_stat_replication WHERE application_name = $1",
      [name],
    );
    if (rows[0]?.state !== "streaming") throw new Error(`${name} is not streaming yet`);
  }, { timeoutMs, intervalMs: 100 });
}

/** PostgreSQL's definition for the engine registry. */
export const postgres: EngineDefinition = {
  name: "postgres",
  describe: "PostgreSQL 15 (Debian postgresql-15), primary + streaming replicas",
  urlEnv: "BENCH_POSTGRES_URL",
  ping: (node) => queryPostgres(node, "SELECT 1"),
  version: async (node) => {
    const [row] = await queryPostgres<{ server_version: string }>(node, "SHOW server_version");
    return row.server_version.split(" ")[0];
  },
  nativeMissing: () => missingDebianBinary(`${BIN}/postgres`, "postgresql-15"),
  startNative: startPostgresNative,
  docker: {
    image: "postgres:15",
    port: 5432,
    env: { POSTGRES_HOST_AUTH_METHOD: "trust" },
    command: ["postgres"],
    settings: (s) => ({ args: Object.entries(s).flatMap(([k, v]) => ["-c", `${k}=${v}`]) }),
    // The official image restarts once after init; ready the second time.
    readyLog: { pattern: /database system is ready to accept connections/, times: 2 },
    url: (host, port) => `postgres://postgres@${host}:${port}/postgres`,
  },
  dockerReplicas: false,
};

/**
 * MariaDB 10.11: a private primary with GTID replicas, asynchronous or semi-synchronous.
 * Always `--no-defaults`, or the server would read /etc/mysql. Client helpers: ./client.ts;
 * backup and restore verbs (mariadb-backup, binlog replay) in ./backup.ts, whose restores
 * start on a prepared data directory through {@link startMariadbOn}.
 */

import { EngineError } from "../runtime/errors.ts";
import { NativeEngine } from "../runtime/native.ts";
import { assertPortFree, freePort, LOOPBACK, waitUntil } from "../runtime/net.ts";
import { missingDebianBinary, NativeServer, requireBinary, runTool } from "../runtime/process.ts";
import type { Engine, EngineDefinition, EngineNode, EngineSpec } from "../types.ts";
import { queryMariadb } from "./client.ts";

const SERVER = "/usr/sbin/mariadbd";
const INSTALL_DB = "/usr/bin/mariadb-install-db";

function nodeAt(
  name: string,
  role: "primary" | "replica",
  port: number,
  dataDir: string,
): EngineNode {
  return {
    name,
    role,
    host: LOOPBACK,
    port,
    url: `mysql://root@${LOOPBACK}:${port}/mysql`,
    dataDir,
  };
}

async function startMariadbNative(spec: EngineSpec): Promise<Engine> {
  requireBinary(SERVER, "mariadb-server");
  if (spec.port) assertPortFree(spec.port, "mariadb");
  const mode = spec.replication?.mode ?? "async";
  if (mode === "sync") {
    throw new EngineError(
      `mariadb: replication mode "sync" is PostgreSQL's; use "async" or "semisync"`,
    );
  }
  const settings: Record<string, string> = {};
  if ((spec.replicas ?? 0) > 0 && mode === "semisync") settings.rpl_semi_sync_master_enabled = "ON";
  for (const [k, v] of Object.entries(spec.settings ?? {})) settings[k] = String(v);
  return await NativeEngine.launch("mariadb", spec, async (e) => {
    e.settings = settings;
    const primary = nodeAt(
      "primary",
      "primary",
      spec.port ?? freePort(),
      await e.runDir.subdir("primary"),
    );
    await install(primary);
    await e.startNode(server(e, primary, 1, settings), primary, () => mariadb.ping(primary));
    for (let i = 1; i <= (spec.replicas ?? 0); i++) {
      const replica = nodeAt(
        `replica${i}`,
        "replica",
        freePort(),
        await e.runDir.subdir(`replica${i}`),
      );
      await install(replica);
      const replicaSettings: Record<string, string> = { read_only: "ON" };
      if (mode === "semisync") replicaSettings.rpl_semi_sync_slave_enabled = "ON";
      await e.startNode(
        server(e, replica, i + 1, replicaSettings),
        replica,
        () => mariadb.ping(replica),
      );
      await queryMariadb(
        replica,
        `CHANGE MASTER TO MASTER_HOST='${LOOPBACK}', MASTER_PORT=${primary.port}, MASTER_USER='root', MASTER_USE_GTID=slave_pos; START SLAVE;`,
      );
      await waitForReplica(replica, e.timeoutMs);
    }
    e.version = await mariadb.version(primary);
  }, async (e, name) => {
    if (name !== "primary") {
      await waitForReplica(e.replicas.find((r) => r.name === name)!, e.timeoutMs);
    }
  });
}

/**
 * Start a private server on a data directory that `prepare` fills (a restored backup): a new
 * engine of its own (temp dir, port, clean-up), ready when a query answers. Returns how long
 * `prepare` and the start took.
 */
export async function startMariadbOn(
  label: string,
  prepare: (dataDir: string) => Promise<void>,
  settings: Record<string, string> = {},
  timeoutMs = 300_000,
): Promise<{ engine: Engine; prepareMs: number; startMs: number }> {
  requireBinary(SERVER, "mariadb-server");
  let prepareMs = 0, startMs = 0;
  const spec: EngineSpec = { engine: "mariadb", label, startTimeoutMs: timeoutMs };
  const engine = await NativeEngine.launch("mariadb", spec, async (e) => {
    e.settings = { ...settings };
    const data = await e.runDir.subdir("primary");
    const t0 = performance.now();
    await prepare(data);
    const t1 = performance.now();
    prepareMs = t1 - t0;
    const node = nodeAt("primary", "primary", freePort(), data);
    await e.startNode(server(e, node, 1, settings), node, () => mariadb.ping(node));
    startMs = performance.now() - t1;
    e.version = await mariadb.version(node);
  });
  return { engine, prepareMs, startMs };
}

/** The Unix socket of a private node (the backup tools' way in). */
export function mariadbSocket(node: EngineNode): string {
  if (!node.dataDir) throw new EngineError(`mariadb ${node.name}: not a private server`);
  return `${node.dataDir}/mariadb.sock`;
}

function install(node: EngineNode) {
  return runTool(`mariadb ${node.name} install-db`, {
    cmd: INSTALL_DB,
    args: [
      "--no-defaults",
      `--datadir=${node.dataDir}`,
      "--user=root",
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
    ],
  });
}

function server(
  e: NativeEngine,
  node: EngineNode,
  serverId: number,
  settings: Record<string, string>,
): NativeServer {
  const args = [
    "--no-defaults",
    `--datadir=${node.dataDir}`,
    `--port=${node.port}`,
    `--bind-address=${LOOPBACK}`,
    `--socket=${mariadbSocket(node)}`,
    `--pid-file=${node.dataDir}/mariadb.pid`,
    `--server-id=${serverId}`,
    // Binary log with row events and GTIDs: what replication and point-in-time recovery need.
    "--log-bin=mariadb-bin",
    "--binlog-format=ROW",
    ...Object.entries(settings).map(([k, v]) => `--${k.replaceAll("_", "-")}=${v}`),
  ];
  if (Deno.uid() === 0) args.splice(1, 0, "--user=root");
  return new NativeServer(
    node.name,
    node.role,
    node.port,
    node.dataDir!,
    `${e.runDir.path}/${node.name}.log`,
    e.runDir,
    () => ({
      cmd: SERVER,
      args,
      stopSignal: "SIGTERM", // mariadbd's normal shutdown
    }),
  );
}

/** Wait until a replica's IO and SQL threads both run. */
export async function waitForReplica(replica: EngineNode, timeoutMs = 30_000): Promise<void> {
  await waitUntil(async () => {
    const [status] = await queryMariadb<Record<string, string>[]>(replica, "SHOW SLAVE STATUS");
    if (status?.Slave_IO_Running !== "Yes" || status?.Slave_SQL_Running !== "Yes") {
      throw new Error(
        `${replica.name} not replicating: ${
          status?.Last_IO_Error || status?.Last_SQL_Error || "starting"
        }`,
      );
    }
  }, { timeoutMs, intervalMs: 100 });
}

/** MariaDB's definition for the engine registry. */
export const mariadb: EngineDefinition = {
  name: "mariadb",
  describe: "MariaDB 10.11 (Debian mariadb-server), primary + GTID replicas, async or semi-sync",
  urlEnv: "BENCH_MARIADB_URL",
  ping: (node) => queryMariadb(node, "SELECT 1"),
  version: async (node) => {
    const [row] = await queryMariadb<{ v: string }[]>(node, "SELECT VERSION() AS v");
    return row.v.split("-")[0];
  },
  nativeMissing: () => missingDebianBinary(SERVER, "mariadb-server"),
  startNative: startMariadbNative,
  docker: {
    image: "mariadb:10.11",
    port: 3306,
    env: { MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: "1" },
    settings: (s) => ({
      args: Object.entries(s).map(([k, v]) => `--${k.replaceAll("_", "-")}=${v}`),
    }),
    readyLog: { pattern: /ready for connections/, times: 2 },
    url: (host, port) => `mysql://root@${host}:${port}/mysql`,
  },
  dockerReplicas: false,
};

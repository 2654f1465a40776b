/**
 * MariaDB 10.11: a private primary with GTID replicas, asynchronous or semi-synchronous.
 * Always `--no-defaults`, or the server would read /etc/mysql. Clients use mysql2.
 */

import mysql from "mysql2/promise";
import type { EngineDriver } from "./driver.ts";
import { EngineError } from "./errors.ts";
import { NativeEngine } from "./native.ts";
import { assertPortFree, freePort, LOOPBACK, waitUntil } from "./net.ts";
import { missingDebianBinary, NativeServer, requireBinary, runTool } from "./process.ts";
import type { Engine, EngineNode, EngineSpec } from "./types.ts";

const SERVER = "/usr/sbin/mariadbd";
const INSTALL_DB = "/usr/bin/mariadb-install-db";

/** A mysql2 connection to a node; the caller ends it. */
export function connectMariadb(
  node: Pick<EngineNode, "url">,
  options: mysql.ConnectionOptions = {},
): Promise<mysql.Connection> {
  return mysql.createConnection({
    uri: node.url,
    connectTimeout: 5000,
    multipleStatements: true,
    ...options,
  });
}

/** Run one statement on a fresh connection (set-up and checks). */
export async function queryMariadb<T = mysql.RowDataPacket[]>(
  node: Pick<EngineNode, "url">,
  sql: string,
  params: unknown[] = [],
): Promise<T> {
  const conn = await connectMariadb(node, { connectTimeout: 2000 });
  try {
    const [rows] = await conn.query(sql, params);
    return rows as T;
  } finally {
    await conn.end();
  }
}

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
    `--socket=${node.dataDir}/mariadb.sock`,
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

/** MariaDB's driver for the engine API. */
export const mariadb: EngineDriver = {
  engine: "mariadb",
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
    readyLog: { pattern: /ready for connections/, times: 2 },
    url: (host, port) => `mysql://root@${host}:${port}/mysql`,
  },
  dockerReplicas: false,
};

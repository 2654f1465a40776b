/**
 * CockroachDB: PostgreSQL wire protocol, serializable by default. Not installable here
 * (neither Debian nor npm ship it), so it runs through docker, an external URL
 * (BENCH_COCKROACHDB_URL=postgres://root@host:26257/defaultdb?sslmode=disable), or natively
 * when a `cockroach` binary is on PATH.
 */

import { launchSingleNode } from "../runtime/native.ts";
import { freePort, LOOPBACK } from "../runtime/net.ts";
import { which } from "../runtime/process.ts";
import { queryPostgres } from "../postgres/client.ts";
import type { Engine, EngineDefinition, EngineSpec } from "../types.ts";

function startCockroachNative(spec: EngineSpec): Promise<Engine> {
  const bin = which("cockroach")!;
  return launchSingleNode(cockroachdb, spec, {
    url: (port) => `postgres://root@${LOOPBACK}:${port}/defaultdb?sslmode=disable`,
    command: (node) => ({
      cmd: bin,
      args: [
        "start-single-node",
        "--insecure",
        `--listen-addr=${LOOPBACK}:${node.port}`,
        `--http-addr=${LOOPBACK}:${freePort()}`,
        `--store=${node.dataDir}`,
      ],
      stopSignal: "SIGTERM",
    }),
  });
}

/** CockroachDB's definition for the engine registry. */
export const cockroachdb: EngineDefinition = {
  name: "cockroachdb",
  describe: "CockroachDB (docker, external URL, or a cockroach binary on PATH)",
  urlEnv: "BENCH_COCKROACHDB_URL",
  ping: (node) => queryPostgres(node, "SELECT 1"),
  version: async (node) => {
    const [row] = await queryPostgres<{ version: string }>(node, "SELECT version()");
    return /v(\d+\.\d+\.\d+)/.exec(row.version)?.[1] ?? row.version;
  },
  nativeMissing: () =>
    which("cockroach")
      ? undefined
      : { reason: "no cockroach binary (not packaged for Debian or npm)", fatal: false },
  startNative: startCockroachNative,
  docker: {
    image: "cockroachdb/cockroach:v24.3.5",
    port: 26257,
    command: ["start-single-node", "--insecure"],
    // Cluster settings are SQL (SET CLUSTER SETTING), not flags: refused rather than ignored.
    readyLog: { pattern: /CockroachDB node starting/ },
    url: (host, port) => `postgres://root@${host}:${port}/defaultdb?sslmode=disable`,
  },
};

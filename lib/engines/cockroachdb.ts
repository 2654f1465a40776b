/**
 * CockroachDB: PostgreSQL wire protocol, serializable by default. Not installable here
 * (neither Debian nor npm ship it), so it runs through docker, an external URL
 * (BENCH_COCKROACHDB_URL=postgres://root@host:26257/defaultdb?sslmode=disable), or natively
 * when a `cockroach` binary is on PATH.
 */

import type { EngineDriver } from "./driver.ts";
import { NativeEngine } from "./native.ts";
import { assertPortFree, freePort, LOOPBACK } from "./net.ts";
import { NativeServer, which } from "./process.ts";
import { queryPostgres } from "./postgres.ts";
import type { Engine, EngineNode, EngineSpec } from "./types.ts";

async function startCockroachNative(spec: EngineSpec): Promise<Engine> {
  const bin = which("cockroach")!;
  if (spec.port) assertPortFree(spec.port, "cockroachdb");
  return await NativeEngine.launch("cockroachdb", spec, async (e) => {
    const port = spec.port ?? freePort();
    const dir = await e.runDir.subdir("primary");
    const node: EngineNode = {
      name: "primary",
      role: "primary",
      host: LOOPBACK,
      port,
      url: `postgres://root@${LOOPBACK}:${port}/defaultdb?sslmode=disable`,
      dataDir: dir,
    };
    const server = new NativeServer(
      "primary",
      "primary",
      port,
      dir,
      `${e.runDir.path}/primary.log`,
      e.runDir,
      () => ({
        cmd: bin,
        args: [
          "start-single-node",
          "--insecure",
          `--listen-addr=${LOOPBACK}:${port}`,
          `--http-addr=${LOOPBACK}:${freePort()}`,
          `--store=${dir}`,
        ],
        stopSignal: "SIGTERM",
      }),
    );
    await e.startNode(server, node, () => cockroachdb.ping(node));
    e.version = await cockroachdb.version(node);
  });
}

/** CockroachDB's driver for the engine API. */
export const cockroachdb: EngineDriver = {
  engine: "cockroachdb",
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
    readyLog: { pattern: /CockroachDB node starting/ },
    url: (host, port) => `postgres://root@${host}:${port}/defaultdb?sslmode=disable`,
  },
};

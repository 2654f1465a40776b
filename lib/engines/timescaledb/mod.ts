/**
 * TimescaleDB: PostgreSQL with the timescaledb extension. Not packaged for Debian 12 here,
 * so it runs through docker or BENCH_TIMESCALEDB_URL; natively only when the extension is
 * installed for PostgreSQL 15 (then it is our PostgreSQL with the library preloaded).
 */

import { queryPostgres } from "../postgres/client.ts";
import { postgres } from "../postgres/mod.ts";
import { exists } from "../runtime/process.ts";
import type { Engine, EngineDefinition, EngineSpec } from "../types.ts";

const CONTROL = "/usr/share/postgresql/15/extension/timescaledb.control";

async function startTimescaleNative(spec: EngineSpec): Promise<Engine> {
  const pg = await postgres.startNative!({
    ...spec,
    engine: "postgres",
    settings: {
      shared_preload_libraries: "timescaledb",
      "timescaledb.telemetry_level": "off",
      ...spec.settings,
    },
  });
  try {
    const version = await timescaledb.version(pg.primary);
    return Object.assign(pg, { engine: "timescaledb" as const, version });
  } catch (err) {
    await pg.stop();
    throw err;
  }
}

/** TimescaleDB's definition for the engine registry. */
export const timescaledb: EngineDefinition = {
  name: "timescaledb",
  describe: "TimescaleDB on PostgreSQL (docker, external URL, or an installed extension)",
  urlEnv: "BENCH_TIMESCALEDB_URL",
  ping: (node) => queryPostgres(node, "SELECT 1"),
  version: async (node) => {
    await queryPostgres(node, "CREATE EXTENSION IF NOT EXISTS timescaledb");
    const [row] = await queryPostgres<{ v: string }>(
      node,
      "SELECT extversion AS v FROM pg_extension WHERE extname = 'timescaledb'",
    );
    return row.v;
  },
  nativeMissing: () =>
    exists(CONTROL) ? undefined : {
      reason:
        "the timescaledb extension is not installed for PostgreSQL 15 (not packaged for Debian 12)",
      fatal: false,
    },
  startNative: startTimescaleNative,
  docker: {
    image: "timescale/timescaledb:2.17.2-pg15",
    port: 5432,
    env: { POSTGRES_HOST_AUTH_METHOD: "trust" },
    command: ["postgres"],
    settings: (s) => ({ args: Object.entries(s).flatMap(([k, v]) => ["-c", `${k}=${v}`]) }),
    readyLog: { pattern: /database system is ready to accept connections/, times: 2 },
    url: (host, port) => `postgres://postgres@${host}:${port}/postgres`,
  },
  dockerReplicas: false,
};

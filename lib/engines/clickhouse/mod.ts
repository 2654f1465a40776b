/**
 * ClickHouse: by default embedded chDB (modern ClickHouse as a library, in this process —
 * label results accordingly: no network hop, no separate server); a ClickHouse server via
 * docker or BENCH_CLICKHOUSE_URL (http://host:8123). Debian's clickhouse-server (2018) is
 * deliberately not used. Client helpers (@clickhouse/client for both): ./client.ts; backup
 * and restore (BACKUP ... TO File, RESTORE into a new embedded path): ./backup.ts.
 */

import type { ClickHouseClient } from "@clickhouse/client";
import { track } from "../runtime/cleanup.ts";
import { EngineError } from "../runtime/errors.ts";
import { RunDir } from "../runtime/process.ts";
import type { Engine, EngineDefinition, EngineNode, EngineSpec } from "../types.ts";
import { CHDB, connectClickHouse, queryClickHouse } from "./client.ts";
let embeddedOpen = false;

async function withClient<T>(
  node: Pick<EngineNode, "url">,
  fn: (c: ClickHouseClient) => Promise<T>,
): Promise<T> {
  const client = await connectClickHouse(node);
  try {
    return await fn(client);
  } finally {
    // Closing also ends the chDB session, so the next client (one per process) can open.
    await client.close();
  }
}

async function startEmbedded(spec: EngineSpec): Promise<Engine> {
  if (embeddedOpen) {
    throw new EngineError(
      "clickhouse: chDB allows one embedded session per process; stop the other one first (or use a ClickHouse server via docker/BENCH_CLICKHOUSE_URL)",
    );
  }
  if ((spec.replicas ?? 0) > 0) {
    throw new EngineError(
      "clickhouse: embedded chDB has no replicas; use a server via BENCH_CLICKHOUSE_URL",
    );
  }
  embeddedOpen = true;
  try {
    return await embeddedEngine(spec.label ?? "clickhouse", () => {
      embeddedOpen = false;
    });
  } catch (err) {
    embeddedOpen = false;
    throw err;
  }
}

/**
 * An embedded chDB "engine" on a fresh data path (its temp dir removed on stop), after
 * `prepare` filled the path (nothing, or a restore). `onStop` runs once when it stops.
 *
 * chDB binds one data path per process at a time, but only while a connection is open; the
 * clients here close after each use, so a second engine on another path works as long as the
 * two are used one after the other (a restored copy checked while its source is idle). Used
 * concurrently, chDB refuses the second path with its own error.
 */
export async function embeddedEngine(
  label: string,
  onStop: () => void = () => {},
  prepare: (node: EngineNode) => Promise<void> = () => Promise.resolve(),
): Promise<Engine> {
  const runDir = await RunDir.create(label);
  const node: EngineNode = {
    name: "primary",
    role: "primary",
    host: "in-process",
    port: 0,
    url: `${CHDB}${runDir.path}/data`,
    dataDir: `${runDir.path}/data`,
  };
  let untrack = () => {};
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await runDir.remove();
    onStop();
    untrack();
  };
  const refuse = (verb: string) => () =>
    Promise.reject(
      new EngineError(
        `clickhouse: cannot ${verb} embedded chDB (it runs inside this process); use a server for faults`,
      ),
    );
  try {
    await prepare(node);
    const version = await clickhouse.version(node);
    const engine: Engine = {
      engine: "clickhouse",
      provider: "native",
      version,
      primary: node,
      replicas: [],
      nodes: [node],
      settings: { mode: "embedded-chdb" },
      kill: refuse("kill"),
      pause: refuse("pause"),
      resume: refuse("resume"),
      restart: refuse("restart"),
      stop,
      [Symbol.asyncDispose]: stop,
    };
    untrack = track(engine, () => runDir.removeNow());
    return engine;
  } catch (err) {
    await stop();
    throw new EngineError(`clickhouse: embedded chDB failed to start: ${(err as Error).message}`);
  }
}

function chdbInstalled(): boolean {
  try {
    Deno.statSync(new URL("../../../node_modules/@chdb/lib-linux-x64-gnu", import.meta.url));
    return true;
  } catch {
    return false;
  }
}

/** ClickHouse's definition for the engine registry. */
export const clickhouse: EngineDefinition = {
  name: "clickhouse",
  describe: "ClickHouse: embedded chDB natively (in-process), a server via docker/external",
  urlEnv: "BENCH_CLICKHOUSE_URL",
  ping: (node) => withClient(node, (c) => queryClickHouse(c, "SELECT 1")),
  version: (node) =>
    withClient(
      node,
      async (c) => String((await queryClickHouse<{ v: string }>(c, "SELECT version() AS v"))[0].v),
    ),
  nativeMissing: () =>
    chdbInstalled() ? undefined : {
      reason:
        "the npm package chdb (with @chdb/lib-linux-x64-gnu) is not installed; run ./denow once to install it",
      fatal: true,
    },
  startNative: startEmbedded,
  docker: {
    image: "clickhouse/clickhouse-server:25.8",
    port: 8123,
    env: { CLICKHOUSE_SKIP_USER_SETUP: "1" },
    readyLog: { pattern: /Ready for connections/ },
    url: (host, port) => `http://${host}:${port}`,
  },
};

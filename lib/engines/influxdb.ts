/**
 * InfluxDB 1.x: a private server with every listener moved to loopback ports of its own
 * and every directory in the temp dir. Clients use the `influx` package or plain HTTP.
 */

import type { EngineDriver } from "./driver.ts";
import { NativeEngine } from "./native.ts";
import { assertPortFree, freePort, LOOPBACK } from "./net.ts";
import { NativeServer, requireBinary } from "./process.ts";
import { exists } from "./redis.ts";
import type { Engine, EngineNode, EngineSpec } from "./types.ts";

const BIN = "/usr/bin/influxd";

async function startInfluxNative(spec: EngineSpec): Promise<Engine> {
  requireBinary(BIN, "influxdb");
  if (spec.port) assertPortFree(spec.port, "influxdb");
  const settings = Object.fromEntries(
    Object.entries(spec.settings ?? {}).map(([k, v]) => [k, String(v)]),
  );
  return await NativeEngine.launch("influxdb", spec, async (e) => {
    e.settings = settings;
    const port = spec.port ?? freePort();
    const dir = await e.runDir.subdir("primary");
    const node: EngineNode = {
      name: "primary",
      role: "primary",
      host: LOOPBACK,
      port,
      url: `http://${LOOPBACK}:${port}`,
      dataDir: dir,
    };
    // Top-level settings from the spec go before the first section (e.g. nothing by default);
    // [data] settings are the ones experiments tune, so they go there.
    const data = Object.entries(settings).map(([k, v]) =>
      `  ${k} = ${/^\d+$|^(true|false)$/.test(v) ? v : JSON.stringify(v)}`
    );
    const config = [
      `reporting-disabled = true`,
      `bind-address = "${LOOPBACK}:${freePort()}"`, // the RPC service (backup/restore), default 8088
      `[meta]`,
      `  dir = "${dir}/meta"`,
      `[data]`,
      `  dir = "${dir}/data"`,
      `  wal-dir = "${dir}/wal"`,
      `  query-log-enabled = false`,
      ...data,
      `[http]`,
      `  bind-address = "${LOOPBACK}:${port}"`,
      `  log-enabled = false`,
      `[monitor]`,
      `  store-enabled = false`,
      "",
    ].join("\n");
    await Deno.writeTextFile(`${dir}/influxdb.conf`, config);
    const server = new NativeServer(
      "primary",
      "primary",
      port,
      dir,
      `${e.runDir.path}/primary.log`,
      e.runDir,
      () => ({
        cmd: BIN,
        args: ["run", "-config", `${dir}/influxdb.conf`],
        stopSignal: "SIGTERM",
      }),
    );
    await e.startNode(server, node, () => influxdb.ping(node));
    e.version = await influxdb.version(node);
  });
}

async function ping(node: Pick<EngineNode, "url">): Promise<Response> {
  const res = await fetch(`${node.url}/ping`, { signal: AbortSignal.timeout(2000) });
  await res.body?.cancel();
  if (res.status !== 204) throw new Error(`/ping answered ${res.status}`);
  return res;
}

/** InfluxDB's driver for the engine API. */
export const influxdb: EngineDriver = {
  engine: "influxdb",
  describe: "InfluxDB 1.x (Debian influxdb), InfluxQL over HTTP",
  urlEnv: "BENCH_INFLUXDB_URL",
  ping,
  version: async (node) => (await ping(node)).headers.get("X-Influxdb-Version") ?? "unknown",
  nativeMissing: () =>
    exists(BIN)
      ? undefined
      : { reason: `${BIN} not found: install the Debian package influxdb`, fatal: true },
  startNative: startInfluxNative,
  docker: {
    image: "influxdb:1.8",
    port: 8086,
    url: (host, port) => `http://${host}:${port}`,
  },
};

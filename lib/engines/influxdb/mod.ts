/**
 * InfluxDB 1.x: a private server with every listener moved to loopback ports of its own
 * and every directory in the temp dir. Clients speak HTTP (InfluxQL, line protocol: ./client.ts).
 */

import { launchSingleNode, stringSettings } from "../runtime/native.ts";
import { freePort, LOOPBACK } from "../runtime/net.ts";
import { missingDebianBinary, requireBinary } from "../runtime/process.ts";
import type { Engine, EngineDefinition, EngineNode, EngineSpec } from "../types.ts";

const BIN = "/usr/bin/influxd";

function startInfluxNative(spec: EngineSpec): Promise<Engine> {
  requireBinary(BIN, "influxdb");
  const settings = stringSettings(spec);
  return launchSingleNode(influxdb, spec, {
    url: (port) => `http://${LOOPBACK}:${port}`,
    prepare: async ({ port, dataDir: dir }) => {
      // The spec's settings are [data] settings: the storage engine is what experiments tune.
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
    },
    command: (node) => ({
      cmd: BIN,
      args: ["run", "-config", `${node.dataDir}/influxdb.conf`],
      stopSignal: "SIGTERM",
    }),
  });
}

async function ping(node: Pick<EngineNode, "url">): Promise<Response> {
  const res = await fetch(`${node.url}/ping`, { signal: AbortSignal.timeout(2000) });
  await res.body?.cancel();
  if (res.status !== 204) throw new Error(`/ping answered ${res.status}`);
  return res;
}

/** InfluxDB's definition for the engine registry. */
export const influxdb: EngineDefinition = {
  name: "influxdb",
  describe: "InfluxDB 1.x (Debian influxdb), InfluxQL over HTTP",
  urlEnv: "BENCH_INFLUXDB_URL",
  ping,
  version: async (node) => (await ping(node)).headers.get("X-Influxdb-Version") ?? "unknown",
  nativeMissing: () => missingDebianBinary(BIN, "influxdb"),
  startNative: startInfluxNative,
  docker: {
    image: "influxdb:1.8",
    port: 8086,
    // The image maps INFLUXDB_<SECTION>_<KEY> variables onto its config; ours are [data] keys.
    settings: (s) => ({
      env: Object.fromEntries(
        Object.entries(s).map((
          [k, v],
        ) => [`INFLUXDB_DATA_${k.toUpperCase().replaceAll("-", "_")}`, v]),
      ),
    }),
    url: (host, port) => `http://${host}:${port}`,
  },
};

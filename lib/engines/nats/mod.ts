/**
 * NATS 2.9 with JetStream (Debian `nats-server`): one private server with its JetStream store
 * in the run's temp dir, bound to 127.0.0.1 (client port from freePort; no monitoring port).
 * Settings are nats-server's long options (`max_payload` etc. are config-file only and not
 * offered). Client helpers: ./client.ts.
 */

import { launchSingleNode, stringSettings } from "../runtime/native.ts";
import { LOOPBACK } from "../runtime/net.ts";
import { missingDebianBinary, requireBinary } from "../runtime/process.ts";
import type { Engine, EngineDefinition, EngineSpec } from "../types.ts";
import { natsVersion } from "./client.ts";

const BIN = "/usr/sbin/nats-server";

function startNatsNative(spec: EngineSpec): Promise<Engine> {
  requireBinary(BIN, "nats-server");
  return launchSingleNode(nats, spec, {
    url: (port) => `nats://${LOOPBACK}:${port}`,
    command: (node) => {
      // -js: JetStream on; -sd: its file store inside the node's temp dir (ENGINES.md §6).
      const args = ["-a", LOOPBACK, "-p", String(node.port), "-js", "-sd", node.dataDir!];
      args.push("-n", `dsbench-${node.port}`);
      for (const [k, v] of Object.entries(stringSettings(spec))) args.push(`--${k}`, v);
      return { cmd: BIN, args, stopSignal: "SIGTERM" };
    },
  });
}

/** NATS's definition for the engine registry. */
export const nats: EngineDefinition = {
  name: "nats",
  describe: "NATS 2.9 with JetStream (Debian nats-server)",
  urlEnv: "BENCH_NATS_URL",
  ping: (node) => natsVersion(node),
  version: (node) => natsVersion(node),
  nativeMissing: () => missingDebianBinary(BIN, "nats-server"),
  startNative: startNatsNative,
  docker: {
    image: "nats:2.9",
    port: 4222,
    command: ["-js"],
    settings: (s) => ({ args: Object.entries(s).flatMap(([k, v]) => [`--${k}`, v]) }),
    readyLog: { pattern: /Server is ready/ },
    url: (host, port) => `nats://${host}:${port}`,
  },
};

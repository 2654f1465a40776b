/**
 * Memcached 1.6: a private server; settings are its long options (`memory-limit` in MB,
 * `threads`, ...). Admin helpers (version, stats): ./client.ts; experiments use memjs for data.
 */

import { launchSingleNode, stringSettings } from "../runtime/native.ts";
import { LOOPBACK } from "../runtime/net.ts";
import { missingDebianBinary, requireBinary } from "../runtime/process.ts";
import type { Engine, EngineDefinition, EngineSpec } from "../types.ts";
import { memcachedCommand } from "./client.ts";

const BIN = "/usr/bin/memcached";

function startMemcachedNative(spec: EngineSpec): Promise<Engine> {
  requireBinary(BIN, "memcached");
  return launchSingleNode(memcached, spec, {
    url: (port) => `memcached://${LOOPBACK}:${port}`,
    command: (node) => {
      const args = ["-l", LOOPBACK, "-p", String(node.port), "-U", "0"];
      if (Deno.uid() === 0) args.push("-u", "root"); // memcached refuses root without it
      for (const [k, v] of Object.entries(stringSettings(spec))) args.push(`--${k}=${v}`);
      return { cmd: BIN, args, stopSignal: "SIGTERM" };
    },
  });
}

/** Memcached's definition for the engine registry. */
export const memcached: EngineDefinition = {
  name: "memcached",
  describe: "Memcached 1.6 (Debian memcached)",
  urlEnv: "BENCH_MEMCACHED_URL",
  ping: async (node) => {
    const reply = await memcachedCommand(node, "version");
    if (!reply.startsWith("VERSION")) throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
  },
  version: async (node) => (await memcachedCommand(node, "version")).replace("VERSION", "").trim(),
  nativeMissing: () => missingDebianBinary(BIN, "memcached"),
  startNative: startMemcachedNative,
  docker: {
    image: "memcached:1.6",
    port: 11211,
    command: ["memcached"],
    settings: (s) => ({ args: Object.entries(s).map(([k, v]) => `--${k}=${v}`) }),
    url: (host, port) => `memcached://${host}:${port}`,
  },
};

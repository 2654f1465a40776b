/**
 * Memcached 1.6: a private server; settings are its long options (`memory-limit` in MB,
 * `threads`, ...). The text protocol is small enough to speak directly for ping, version
 * and stats; experiments use memjs for data.
 */

import type { EngineDriver } from "./driver.ts";
import { launchSingleNode, stringSettings } from "./native.ts";
import { LOOPBACK } from "./net.ts";
import { missingDebianBinary, requireBinary } from "./process.ts";
import type { Engine, EngineNode, EngineSpec } from "./types.ts";

const BIN = "/usr/bin/memcached";

/** Send one text-protocol command and read until the reply's terminator. */
export async function memcachedCommand(
  node: Pick<EngineNode, "host" | "port">,
  command: string,
  timeoutMs = 2000,
): Promise<string> {
  const conn = await Deno.connect({ hostname: node.host, port: node.port });
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    await conn.write(new TextEncoder().encode(`${command}\r\n`));
    let text = "";
    const buf = new Uint8Array(16384);
    while (!/(^|\r\n)(END|VERSION [^\r]*|OK|ERROR[^\r]*)\r\n$/.test(text)) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    return text;
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the timer */ }
  }
}

/** `stats` (or `stats <group>`) as key → number-or-string. */
export async function memcachedStats(
  node: Pick<EngineNode, "host" | "port">,
  group = "",
): Promise<Record<string, string>> {
  const text = await memcachedCommand(node, `stats ${group}`.trim());
  const out: Record<string, string> = {};
  for (const line of text.split("\r\n")) {
    const [tag, key, value] = line.split(" ");
    if (tag === "STAT") out[key] = value;
  }
  return out;
}

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

/** Memcached's driver for the engine API. */
export const memcached: EngineDriver = {
  engine: "memcached",
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
    url: (host, port) => `memcached://${host}:${port}`,
  },
};

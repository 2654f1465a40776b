/**
 * Memcached's admin helpers: the text protocol is small enough to speak directly for
 * version and stats (experiments use memjs for data).
 *
 * @module
 */

import type { EngineNode } from "../types.ts";

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

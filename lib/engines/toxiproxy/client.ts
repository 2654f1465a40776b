/**
 * Toxiproxy's HTTP API (v2): proxies (a listen address forwarding to an upstream) and the
 * `latency` toxic on them. Latency in Toxiproxy delays each chunk of one direction of a
 * connection by a fixed time, pipelined (chunks queue behind one another, not behind the
 * delay), so it behaves like propagation delay: {@link setRoundTrip} puts half the round trip
 * on each direction, and a request and its answer then take the whole round trip. Toxics apply
 * to connections already open, so one replication stream can be swept across distances.
 * Toxiproxy counts latency in whole milliseconds, so an odd round trip puts the extra
 * millisecond downstream (1 ms: 1 + 0; 5 ms: 3 + 2).
 *
 * @module
 */

import type { EngineNode } from "../types.ts";

/** One proxy as the API describes it. */
export interface ToxiproxyProxy {
  name: string;
  /** `host:port` it listens on (on the Toxiproxy server's host). */
  listen: string;
  /** `host:port` it forwards to. */
  upstream: string;
  enabled: boolean;
}

/** The names {@link setRoundTrip} gives its two latency toxics. */
export const LATENCY_TOXICS = { downstream: "latency_down", upstream: "latency_up" } as const;

async function call<T>(
  node: Pick<EngineNode, "url">,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(new URL(path, node.url), {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`toxiproxy ${method} ${path}: HTTP ${res.status} ${text.trim().slice(0, 200)}`);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The server's version (`GET /version`). */
export async function toxiproxyVersion(node: Pick<EngineNode, "url">): Promise<string> {
  const v = await call<{ version: string } | string>(node, "GET", "/version");
  return typeof v === "string" ? v : v.version;
}

/** Create a proxy `listen` → `upstream` (both `host:port`). */
export async function createProxy(
  node: Pick<EngineNode, "url">,
  proxy: Omit<ToxiproxyProxy, "enabled">,
): Promise<ToxiproxyProxy> {
  return await call<ToxiproxyProxy>(node, "POST", "/proxies", { ...proxy, enabled: true });
}

/**
 * Enable or disable a proxy. Disabling closes its listener and every connection through it at
 * once, dropping the bytes its toxics still hold: a link that fails.
 */
export async function setProxyEnabled(
  node: Pick<EngineNode, "url">,
  name: string,
  enabled: boolean,
): Promise<void> {
  await call(node, "PATCH", `/proxies/${encodeURIComponent(name)}`, { enabled });
}

/** Remove a proxy (closing its connections). */
export async function deleteProxy(node: Pick<EngineNode, "url">, name: string): Promise<void> {
  await call(node, "DELETE", `/proxies/${encodeURIComponent(name)}`);
}

/** The latency toxics' ms per direction for a round trip (integers; the odd ms downstream). */
export function splitRoundTrip(rttMs: number): { downstream: number; upstream: number } {
  if (!Number.isInteger(rttMs) || rttMs < 0) {
    throw new Error(`toxiproxy: a round trip must be a whole number of ms >= 0, got ${rttMs}`);
  }
  return { downstream: Math.ceil(rttMs / 2), upstream: Math.floor(rttMs / 2) };
}

/**
 * Give a proxy a round trip of `rttMs`: a `latency` toxic on each direction (downstream,
 * upstream → client; upstream, client → upstream) adding up to it ({@link splitRoundTrip}),
 * created, updated in place or removed (0).
 */
export async function setRoundTrip(
  node: Pick<EngineNode, "url">,
  name: string,
  rttMs: number,
): Promise<void> {
  const split = splitRoundTrip(rttMs);
  const base = `/proxies/${encodeURIComponent(name)}/toxics`;
  const existing = new Set(
    (await call<{ name: string }[]>(node, "GET", base)).map((t) => t.name),
  );
  for (const stream of ["downstream", "upstream"] as const) {
    const toxic = LATENCY_TOXICS[stream];
    const attributes = { latency: split[stream], jitter: 0 };
    if (split[stream] === 0) {
      if (existing.has(toxic)) await call(node, "DELETE", `${base}/${toxic}`);
    } else if (existing.has(toxic)) {
      await call(node, "PATCH", `${base}/${toxic}`, { attributes });
    } else {
      await call(node, "POST", base, { name: toxic, type: "latency", stream, attributes });
    }
  }
}

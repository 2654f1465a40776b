/**
 * Toxiproxy 2.12 (Shopify's TCP proxy with injectable faults): the distance this kernel cannot
 * add itself (no netem). Natively, a private `toxiproxy-server` from the binary the set-up
 * builds from the Go module proxy into its tool cache
 * (`~/.cache/dsbench/toxiproxy-v2.12.0/toxiproxy-server`), its API on 127.0.0.1 at a port
 * below 32768; ready when `GET /version` answers. The docker provider runs
 * `ghcr.io/shopify/toxiproxy:2.12.0` and `BENCH_TOXIPROXY_URL` reaches one elsewhere (its
 * proxies listen on *its* host: to sit between two local servers it must share their network,
 * e.g. compose's `network_mode: host`). Proxies and latency toxics: ./client.ts.
 *
 * Settings are none: every proxy is made through the API by whoever uses the engine.
 *
 * @module
 */

import { EngineError } from "../runtime/errors.ts";
import { launchSingleNode } from "../runtime/native.ts";
import { LOOPBACK } from "../runtime/net.ts";
import { exists, toolCache } from "../runtime/process.ts";
import type { Engine, EngineDefinition, EngineSpec } from "../types.ts";
import { toxiproxyVersion } from "./client.ts";

/** The Toxiproxy version the set-up builds (.ci/setup: toxiproxy_version). */
export const TOXIPROXY_VERSION = "2.12.0";

/** The server binary in the set-up's tool cache. */
export function toxiproxyBinary(): string {
  return `${toolCache()}/toxiproxy-v${TOXIPROXY_VERSION}/toxiproxy-server`;
}

async function startToxiproxyNative(spec: EngineSpec): Promise<Engine> {
  if (Object.keys(spec.settings ?? {}).length > 0) {
    throw new EngineError("toxiproxy: has no server settings; make proxies through its API");
  }
  const bin = toxiproxyBinary();
  return await launchSingleNode(toxiproxy, spec, {
    url: (port) => `http://${LOOPBACK}:${port}/`,
    command: (node) => ({
      cmd: "env",
      // LOG_LEVEL=warn: the default logs every API request, which a sweep makes by the dozen.
      args: ["LOG_LEVEL=warn", bin, "-host", LOOPBACK, "-port", String(node.port)],
      stopSignal: "SIGTERM",
    }),
  });
}

function nativeMissing() {
  if (exists(toxiproxyBinary())) return undefined;
  // Not fatal: the set-up skips the build when the machine's Go is older than the module needs.
  return {
    reason:
      `${toxiproxyBinary()} not found: .ci/setup builds it with Go >= 1.23 from the Go module proxy`,
    fatal: false,
  };
}

/** Toxiproxy's definition for the engine registry. */
export const toxiproxy: EngineDefinition = {
  name: "toxiproxy",
  describe: "Toxiproxy 2.12 (built from the Go module proxy), TCP proxies with latency toxics",
  urlEnv: "BENCH_TOXIPROXY_URL",
  ping: (node) => toxiproxyVersion(node),
  version: (node) => toxiproxyVersion(node),
  nativeMissing,
  startNative: startToxiproxyNative,
  docker: {
    image: "ghcr.io/shopify/toxiproxy:2.12.0",
    port: 8474,
    readyLog: { pattern: /Starting Toxiproxy HTTP server/ },
    url: (host, port) => `http://${host}:${port}/`,
  },
};

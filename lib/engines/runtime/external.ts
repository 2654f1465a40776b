/**
 * The external provider: engines somebody else runs (a docker-compose stack, a cluster),
 * named by URL in the environment. This is how the workspace scales past one machine. We
 * never stop or fault what we did not start, and we cannot set its configuration: settings a
 * spec asks for are recorded as requested and marked unverified, never as applied.
 *
 * @module
 */

import { EngineError, redactUrl } from "./errors.ts";
import type { Engine, EngineDefinition, EngineNode, EngineSpec } from "../types.ts";

/** The URL from the environment for an engine, if set. */
export function externalUrl(definition: Pick<EngineDefinition, "urlEnv">): string | undefined {
  return Deno.env.get(definition.urlEnv) || undefined;
}

function nodeFromUrl(name: string, role: "primary" | "replica", url: string): EngineNode {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new EngineError(
      `${name}: "${redactUrl(url)}" is not a URL (expected e.g. scheme://host:port/...)`,
    );
  }
  return { name, role, host: parsed.hostname, port: Number(parsed.port), url };
}

/** Reach an engine by URL (and `<URL env>_REPLICAS`, comma-separated), checking it answers. */
export async function connectExternal(
  definition: EngineDefinition,
  spec: Pick<EngineSpec, "settings" | "replicas"> = {},
): Promise<Engine> {
  const url = externalUrl(definition);
  if (!url) {
    throw new EngineError(
      `${definition.name}: provider "external" needs ${definition.urlEnv} to be set`,
    );
  }
  const replicas = (Deno.env.get(`${definition.urlEnv}_REPLICAS`) ?? "").split(",").filter(
    Boolean,
  ).map((u, i) => nodeFromUrl(`replica${i + 1}`, "replica", u.trim()));
  return await connectNodes(definition, spec, nodeFromUrl("primary", "primary", url), replicas);
}

/**
 * Reach one server of an engine by an explicit URL (one entry of a list such as a shard list,
 * rather than the engine's own variable), checking it answers; it has no replicas.
 */
export async function connectExternalUrl(
  definition: EngineDefinition,
  url: string,
  spec: Pick<EngineSpec, "settings"> = {},
): Promise<Engine> {
  return await connectNodes(definition, spec, nodeFromUrl("primary", "primary", url), []);
}

async function connectNodes(
  definition: EngineDefinition,
  spec: Pick<EngineSpec, "settings" | "replicas">,
  primary: EngineNode,
  replicas: EngineNode[],
): Promise<Engine> {
  if ((spec.replicas ?? 0) > replicas.length) {
    throw new EngineError(
      `${definition.name}: ${spec.replicas} replica(s) asked for, ${definition.urlEnv}_REPLICAS lists ${replicas.length}`,
    );
  }
  for (const node of [primary, ...replicas]) {
    try {
      await definition.ping(node);
    } catch (err) {
      throw new EngineError(
        `${definition.name}: external ${node.name} at ${redactUrl(node.url)} does not answer (${
          (err as Error).message
        }); check ${definition.urlEnv} and that the server is up`,
      );
    }
  }
  const version = await definition.version(primary);
  const refuse = (verb: string) => () =>
    Promise.reject(
      new EngineError(
        `${definition.name}: cannot ${verb} an external engine; faults need the native or docker provider`,
      ),
    );
  const requested = Object.entries(spec.settings ?? {}).map(([k, v]) => [k, String(v)]);
  return {
    engine: definition.name,
    provider: "external",
    version,
    primary,
    replicas,
    nodes: [primary, ...replicas],
    settings: requested.length
      ? { ...Object.fromEntries(requested), settings_applied: "unverified (external server)" }
      : {},
    kill: refuse("kill"),
    pause: refuse("pause"),
    resume: refuse("resume"),
    restart: refuse("restart"),
    stop: () => Promise.resolve(),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
}

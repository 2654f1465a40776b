/**
 * The external provider: engines somebody else runs (a docker-compose stack, a cluster),
 * named by URL in the environment. This is how the workspace scales past one machine. We
 * never stop or fault what we did not start.
 */

import type { EngineDriver } from "./driver.ts";
import { EngineError, redactUrl } from "./errors.ts";
import type { Engine, EngineNode } from "./types.ts";

/** The URL from the environment for an engine, if set. */
export function externalUrl(driver: EngineDriver): string | undefined {
  return Deno.env.get(driver.urlEnv) || undefined;
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
export async function connectExternal(driver: EngineDriver): Promise<Engine> {
  const url = externalUrl(driver);
  if (!url) {
    throw new EngineError(`${driver.engine}: provider "external" needs ${driver.urlEnv} to be set`);
  }
  const primary = nodeFromUrl("primary", "primary", url);
  const replicas = (Deno.env.get(`${driver.urlEnv}_REPLICAS`) ?? "").split(",").filter(Boolean)
    .map((u, i) => nodeFromUrl(`replica${i + 1}`, "replica", u.trim()));
  for (const node of [primary, ...replicas]) {
    try {
      await driver.ping(node);
    } catch (err) {
      throw new EngineError(
        `${driver.engine}: external ${node.name} at ${redactUrl(node.url)} does not answer (${
          (err as Error).message
        }); check ${driver.urlEnv} and that the server is up`,
      );
    }
  }
  const version = await driver.version(primary);
  const refuse = (verb: string) => () =>
    Promise.reject(
      new EngineError(
        `${driver.engine}: cannot ${verb} an external engine; faults need the native or docker provider`,
      ),
    );
  return {
    engine: driver.engine,
    provider: "external",
    version,
    primary,
    replicas,
    settings: {},
    kill: refuse("kill"),
    pause: refuse("pause"),
    resume: refuse("resume"),
    restart: refuse("restart"),
    stop: () => Promise.resolve(),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
}

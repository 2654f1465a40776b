/**
 * The engine API: `startEngine(spec)` gives a running engine, whichever provider is used.
 *
 * ```ts
 * await using pg = await startEngine({ engine: "postgres", replicas: 1 });
 * const client = await connectPostgres(pg.primary); // from ./postgres/client.ts
 * ```
 *
 * @module
 */

import { dockerAnswers, startDocker } from "./runtime/docker.ts";
import { EngineError, EngineUnavailable } from "./runtime/errors.ts";
import { connectExternal, externalUrl } from "./runtime/external.ts";
import { ENGINE_NAMES, type EngineName, ENGINES } from "./registry.ts";
import {
  type Engine,
  type EngineDefinition,
  type EngineSpec,
  PROVIDER_NAMES,
  type ProviderName,
} from "./types.ts";

export * from "./types.ts";
export { ENGINE_NAMES, type EngineName, ENGINES } from "./registry.ts";
export { EngineError, EngineUnavailable } from "./runtime/errors.ts";
export { runningCount, stopAll, throwIfInterrupted } from "./runtime/cleanup.ts";

/** Check an engine name from user input; one-line error listing the valid ones. */
export function parseEngineName(name: string): EngineName {
  if ((ENGINE_NAMES as readonly string[]).includes(name)) return name as EngineName;
  throw new EngineError(`unknown engine "${name}"; known engines: ${ENGINE_NAMES.join(", ")}`);
}

/** The registry's definition of an engine (one-line error for an unknown name). */
export function engineDefinition(name: string): EngineDefinition {
  return ENGINES[parseEngineName(name)];
}

/** Check a provider name from user input; one-line error listing the valid ones. */
export function parseProviderName(name: string): ProviderName | "auto" {
  if (name === "auto" || (PROVIDER_NAMES as readonly string[]).includes(name)) {
    return name as ProviderName | "auto";
  }
  throw new EngineError(
    `unknown provider "${name}"; use one of: auto, ${PROVIDER_NAMES.join(", ")}`,
  );
}

/**
 * Decide the provider: the spec's, else BENCH_PROVIDER, else auto — an external URL if one
 * is set, a native process if the binary is here, a container if Docker answers. When
 * none can work the engine is unavailable (skipped) or, if set-up should have installed
 * it, an error.
 */
export async function chooseProvider(spec: EngineSpec): Promise<ProviderName> {
  const definition = engineDefinition(spec.engine);
  const asked = parseProviderName(spec.provider ?? Deno.env.get("BENCH_PROVIDER") ?? "auto");
  if (asked !== "auto") return asked;
  if (externalUrl(definition)) return "external";
  const missing = definition.nativeMissing();
  if (!missing) return "native";
  if (definition.docker && (await dockerAnswers())) return "docker";
  const why = `${missing.reason}; no Docker daemon answers and ${definition.urlEnv} is not set`;
  if (missing.fatal) throw new EngineError(`${spec.engine}: ${why}`);
  throw new EngineUnavailable(`${spec.engine} skipped: ${why}`);
}

/** Start (or reach) an engine; stop it with `stop()` or `await using`. */
export async function startEngine(spec: EngineSpec): Promise<Engine> {
  validateSpec(spec);
  const definition = engineDefinition(spec.engine);
  const provider = await chooseProvider(spec);
  switch (provider) {
    case "external":
      return await connectExternal(definition, spec);
    case "docker":
      return await startDocker(definition, spec);
    case "native": {
      const missing = definition.nativeMissing();
      if (missing || !definition.startNative) {
        const reason = missing?.reason ?? "no native provider";
        if (missing?.fatal) throw new EngineError(`${spec.engine}: ${reason}`);
        throw new EngineUnavailable(`${spec.engine} skipped: ${reason}`);
      }
      return await definition.startNative(spec);
    }
  }
}

function validateSpec(spec: EngineSpec) {
  parseEngineName(spec.engine);
  const replicas = spec.replicas ?? 0;
  if (!Number.isInteger(replicas) || replicas < 0 || replicas > 8) {
    throw new EngineError(
      `${spec.engine}: replicas must be an integer from 0 to 8, got ${spec.replicas}`,
    );
  }
  if (
    spec.port !== undefined &&
    (!Number.isInteger(spec.port) || spec.port < 1024 || spec.port > 65535)
  ) {
    throw new EngineError(
      `${spec.engine}: port must be an integer from 1024 to 65535, got ${spec.port}`,
    );
  }
}

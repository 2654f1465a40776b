/**
 * The engine API: `startEngine(spec)` gives a running engine, whichever provider is used.
 *
 * ```ts
 * await using pg = await startEngine({ engine: "postgres", replicas: 1 });
 * const client = await connectPostgres(pg.primary);
 * ```
 */

import type { EngineDriver } from "./driver.ts";
import { dockerAnswers, startDocker } from "./docker.ts";
import { EngineError, EngineUnavailable } from "./errors.ts";
import { connectExternal, externalUrl } from "./external.ts";
import { clickhouse } from "./clickhouse.ts";
import { cockroachdb } from "./cockroachdb.ts";
import { hazelcast } from "./hazelcast.ts";
import { influxdb } from "./influxdb.ts";
import { mariadb } from "./mariadb.ts";
import { memcached } from "./memcached.ts";
import { postgres } from "./postgres.ts";
import { redis } from "./redis.ts";
import { timescaledb } from "./timescaledb.ts";
import {
  type Engine,
  ENGINE_NAMES,
  type EngineName,
  type EngineSpec,
  PROVIDER_NAMES,
  type ProviderName,
} from "./types.ts";

export * from "./types.ts";
export { EngineError, EngineUnavailable } from "./errors.ts";
export { runningCount, stopAll } from "./cleanup.ts";

/** Every engine's driver, by name. */
export const DRIVERS: Record<EngineName, EngineDriver> = {
  postgres,
  mariadb,
  redis,
  memcached,
  influxdb,
  clickhouse,
  cockroachdb,
  timescaledb,
  hazelcast,
};

/** Check an engine name from user input; one-line error listing the valid ones. */
export function parseEngineName(name: string): EngineName {
  if ((ENGINE_NAMES as readonly string[]).includes(name)) return name as EngineName;
  throw new EngineError(`unknown engine "${name}"; known engines: ${ENGINE_NAMES.join(", ")}`);
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
  const driver = DRIVERS[parseEngineName(spec.engine)];
  const asked = parseProviderName(spec.provider ?? Deno.env.get("BENCH_PROVIDER") ?? "auto");
  if (asked !== "auto") return asked;
  if (externalUrl(driver)) return "external";
  const missing = driver.nativeMissing();
  if (!missing) return "native";
  if (driver.docker && (await dockerAnswers())) return "docker";
  const why = `${missing.reason}; no Docker daemon answers and ${driver.urlEnv} is not set`;
  if (missing.fatal) throw new EngineError(`${spec.engine}: ${why}`);
  throw new EngineUnavailable(`${spec.engine} skipped: ${why}`);
}

/** Start (or reach) an engine; stop it with `stop()` or `await using`. */
export async function startEngine(spec: EngineSpec): Promise<Engine> {
  validateSpec(spec);
  const driver = DRIVERS[spec.engine];
  const provider = await chooseProvider(spec);
  switch (provider) {
    case "external":
      return await connectExternal(driver);
    case "docker":
      return await startDocker(driver, spec);
    case "native": {
      const missing = driver.nativeMissing();
      if (missing || !driver.startNative) {
        const reason = missing?.reason ?? "no native provider";
        if (missing?.fatal) throw new EngineError(`${spec.engine}: ${reason}`);
        throw new EngineUnavailable(`${spec.engine} skipped: ${reason}`);
      }
      return await driver.startNative(spec);
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

/**
 * The docker provider: testcontainers, used when a Docker daemon answers. It runs the
 * engines we cannot install here (CockroachDB, TimescaleDB, Hazelcast, a ClickHouse server)
 * and any other engine on request. Containers are removed on stop (and by testcontainers'
 * reaper if the runner dies).
 */

import type { DockerRecipe, EngineDriver } from "./driver.ts";
import { track } from "./cleanup.ts";
import { EngineError } from "./errors.ts";
import type { Engine, EngineNode, EngineSpec } from "./types.ts";

/** Path of the Docker socket (DOCKER_HOST=unix://... or the default). */
function dockerSocket(): string | undefined {
  const host = Deno.env.get("DOCKER_HOST");
  if (!host) return "/var/run/docker.sock";
  return host.startsWith("unix://") ? host.slice("unix://".length) : undefined;
}

let answer: Promise<boolean> | undefined;

/** True when a Docker daemon answers `GET /_ping` within a second (cached per process). */
export function dockerAnswers(): Promise<boolean> {
  return answer ??= (async () => {
    const path = dockerSocket();
    if (!path) return Boolean(Deno.env.get("DOCKER_HOST")); // tcp:// — let testcontainers try
    let conn: Deno.UnixConn | undefined;
    const timer = setTimeout(() => conn?.close(), 1000);
    try {
      conn = await Deno.connect({ transport: "unix", path });
      await conn.write(new TextEncoder().encode("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"));
      const buf = new Uint8Array(512);
      const n = await conn.read(buf);
      return n !== null && new TextDecoder().decode(buf.subarray(0, n)).includes(" 200 ");
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
      try {
        conn?.close();
      } catch { /* closed by the timer */ }
    }
  })();
}

/** Start an engine's container and return it as an {@link Engine}. */
export async function startDocker(driver: EngineDriver, spec: EngineSpec): Promise<Engine> {
  const recipe: DockerRecipe | undefined = driver.docker;
  if (!recipe) {
    throw new EngineError(
      `${driver.engine} has no docker recipe; use the native or external provider`,
    );
  }
  if ((spec.replicas ?? 0) > 0 && driver.dockerReplicas === false) {
    throw new EngineError(
      `${driver.engine}: the docker provider starts a single node; for replicas use the native provider or docker-compose with ${driver.urlEnv}_REPLICAS`,
    );
  }
  if (!(await dockerAnswers())) {
    throw new EngineError(
      `${driver.engine}: no Docker daemon answers; start Docker or use another provider`,
    );
  }
  // Loaded lazily: testcontainers pulls in a large dependency tree only docker users need.
  const { GenericContainer, Wait } = await import("testcontainers");
  let container = new GenericContainer(recipe.image).withExposedPorts(recipe.port)
    .withEnvironment(recipe.env ?? {})
    .withStartupTimeout(spec.startTimeoutMs ?? 120_000);
  if (recipe.command) container = container.withCommand(recipe.command);
  if (recipe.readyLog) {
    container = container.withWaitStrategy(
      Wait.forLogMessage(recipe.readyLog.pattern, recipe.readyLog.times ?? 1),
    );
  }
  const started = await container.start();
  const host = started.getHost();
  const port = started.getMappedPort(recipe.port);
  const primary: EngineNode = {
    name: "primary",
    role: "primary",
    host,
    port,
    url: recipe.url(host, port),
  };
  let untrack = () => {};
  const stop = async () => {
    await started.stop();
    untrack();
  };
  const engine: Engine = {
    engine: driver.engine,
    provider: "docker",
    version: "",
    primary,
    replicas: [],
    settings: Object.fromEntries(
      Object.entries(spec.settings ?? {}).map(([k, v]) => [k, String(v)]),
    ),
    kill: () => started.stop({ timeout: 0 }).then(() => {}),
    pause: () =>
      Promise.reject(
        new EngineError(
          `${driver.engine}: pause is native-only for now (SIGSTOP on our own processes)`,
        ),
      ),
    resume: () =>
      Promise.reject(new EngineError(`${driver.engine}: resume is native-only for now`)),
    restart: () => started.restart().then(() => {}),
    stop,
    [Symbol.asyncDispose]: stop,
  };
  untrack = track(engine, () => {});
  try {
    await driver.ping(primary);
    (engine as { version: string }).version = await driver.version(primary);
  } catch (err) {
    await stop();
    throw new EngineError(`${driver.engine} container did not answer: ${(err as Error).message}`);
  }
  return engine;
}

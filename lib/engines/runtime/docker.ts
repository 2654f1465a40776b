/**
 * The docker provider: testcontainers, used when a Docker daemon answers. It runs the engines
 * that cannot be installed here (CockroachDB, TimescaleDB, a ClickHouse server) and any other
 * engine on request. It is honest about what it can do:
 *
 * - an engine's settings are applied the way its image takes them (the recipe's `settings`:
 *   command-line flags or environment), or the start is refused with one line;
 * - the container's port is published on a loopback port we choose, so a restart keeps it;
 * - kill is `docker kill` (SIGKILL, the container and its data stay), restart starts the same
 *   container again, pause/resume are `docker pause`/`unpause` (the cgroup freezer: the
 *   server stops answering and keeps its sockets, like SIGSTOP);
 * - replicas are refused (one container per engine): use docker-compose and external URLs.
 *
 * Containers are removed on stop (and by testcontainers' reaper if the runner dies).
 *
 * @module
 */

import { track } from "./cleanup.ts";
import { EngineError } from "./errors.ts";
import { freePort, LOOPBACK, waitUntil } from "./net.ts";
import type { DockerRecipe, Engine, EngineDefinition, EngineNode, EngineSpec } from "../types.ts";

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

/** The recipe's command and environment with the spec's settings applied, or a refusal. */
export function dockerInvocation(
  definition: Pick<EngineDefinition, "name">,
  recipe: DockerRecipe,
  settings: Record<string, string>,
): { command?: string[]; env: Record<string, string> } {
  const env = { ...recipe.env };
  let command = recipe.command;
  if (Object.keys(settings).length > 0) {
    if (!recipe.settings) {
      throw new EngineError(
        `${definition.name}: the docker provider cannot apply settings (${
          Object.keys(settings).join(", ")
        }) to ${recipe.image}; use the native or external provider`,
      );
    }
    const extra = recipe.settings(settings);
    command = [...(command ?? []), ...(extra.args ?? [])];
    Object.assign(env, extra.env);
  }
  return { command, env };
}

/** Start an engine's container and return it as an {@link Engine}. */
export async function startDocker(
  definition: EngineDefinition,
  spec: EngineSpec,
): Promise<Engine> {
  const recipe = definition.docker;
  if (!recipe) {
    throw new EngineError(
      `${definition.name} has no docker recipe; use the native or external provider`,
    );
  }
  if ((spec.replicas ?? 0) > 0) {
    throw new EngineError(
      `${definition.name}: the docker provider starts a single node; for replicas use the native provider or docker-compose with ${definition.urlEnv}_REPLICAS`,
    );
  }
  if (spec.walArchive) {
    throw new EngineError(
      `${definition.name}: WAL archiving needs the native provider (the archive is a host dir)`,
    );
  }
  const settings = Object.fromEntries(
    Object.entries(spec.settings ?? {}).map(([k, v]) => [k, String(v)]),
  );
  const { command, env } = dockerInvocation(definition, recipe, settings);
  if (!(await dockerAnswers())) {
    throw new EngineError(
      `${definition.name}: no Docker daemon answers; start Docker or use another provider`,
    );
  }
  // Loaded lazily: testcontainers pulls in a large dependency tree only docker users need.
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import("testcontainers");
  const hostPort = spec.port ?? freePort();
  let container = new GenericContainer(recipe.image)
    .withExposedPorts({ container: recipe.port, host: hostPort })
    .withEnvironment(env)
    .withStartupTimeout(spec.startTimeoutMs ?? 120_000);
  if (command) container = container.withCommand(command);
  if (recipe.readyLog) {
    container = container.withWaitStrategy(
      Wait.forLogMessage(recipe.readyLog.pattern, recipe.readyLog.times ?? 1),
    );
  }
  const started = await container.start();
  const raw = (await getContainerRuntimeClient()).container.getById(started.getId());
  const primary: EngineNode = {
    name: "primary",
    role: "primary",
    host: LOOPBACK,
    port: hostPort,
    url: recipe.url(LOOPBACK, hostPort),
  };
  const onlyPrimary = (verb: string, node = "primary") => {
    if (node !== "primary") {
      throw new EngineError(`${definition.name}: cannot ${verb} "${node}": one container only`);
    }
  };
  let untrack = () => {};
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await started.stop();
    untrack();
  };
  const engine: Engine = {
    engine: definition.name,
    provider: "docker",
    version: "",
    primary,
    replicas: [],
    nodes: [primary],
    settings,
    async kill(node) {
      onlyPrimary("kill", node);
      await raw.kill({ signal: "SIGKILL" });
    },
    async pause(node) {
      onlyPrimary("pause", node);
      await raw.pause();
    },
    async resume(node) {
      onlyPrimary("resume", node);
      await raw.unpause();
    },
    async restart(node) {
      onlyPrimary("restart", node);
      const state = (await raw.inspect()).State;
      if (state.Running) await raw.stop();
      await raw.start();
      await waitForAnswer(definition, primary, spec.startTimeoutMs ?? 120_000);
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
  untrack = track(engine, () => {});
  try {
    await waitForAnswer(definition, primary, spec.startTimeoutMs ?? 120_000);
    (engine as { version: string }).version = await definition.version(primary);
  } catch (err) {
    await stop();
    throw new EngineError(
      `${definition.name} container did not answer: ${(err as Error).message}`,
    );
  }
  return engine;
}

async function waitForAnswer(definition: EngineDefinition, node: EngineNode, timeoutMs: number) {
  await waitUntil(() => definition.ping(node), { timeoutMs, intervalMs: 200 });
}

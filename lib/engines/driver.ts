/**
 * What each engine module provides so that `startEngine` can offer all three providers:
 * a real ping and a version query (shared by every provider), a native start, a docker
 * recipe and how to read an external URL.
 */

import type { Engine, EngineName, EngineNode, EngineSpec } from "./types.ts";

/** A container recipe for the docker provider (testcontainers). */
export interface DockerRecipe {
  image: string;
  /** The port clients use inside the container. */
  port: number;
  env?: Record<string, string>;
  command?: string[];
  /** A log line that means "ready" and how many times it must appear. */
  readyLog?: { pattern: RegExp; times?: number };
  /** Connection URL for a mapped host and port. */
  url(host: string, port: number): string;
}

/** One engine's implementation of the engine API. */
export interface EngineDriver {
  engine: EngineName;
  /** One line for people: what it is and how it is run here. */
  describe: string;
  /** Environment variable holding an external URL (e.g. BENCH_POSTGRES_URL). */
  urlEnv: string;
  /** A real round trip (query, PING, version command); throws when the node does not answer. */
  ping(node: EngineNode): Promise<unknown>;
  /** The server's own version string. */
  version(node: EngineNode): Promise<string>;
  /**
   * Why the native provider cannot run here, or undefined when it can. `fatal` means the
   * set-up should have installed it (so a missing binary is an error, not a skip).
   */
  nativeMissing(): { reason: string; fatal: boolean } | undefined;
  /** Start private processes. */
  startNative?(spec: EngineSpec): Promise<Engine>;
  /** Container recipe; undefined when the engine has no docker path. */
  docker?: DockerRecipe;
  /** Engines with replication that the docker provider cannot set up say so. */
  dockerReplicas?: false;
}

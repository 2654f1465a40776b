/**
 * What every experiment takes from its caller (the run task, a notebook, a test): scale, seed
 * and repetitions, from explicit options or the environment (BENCH_SCALE, BENCH_SEED,
 * BENCH_REPETITIONS) — a notebook's kernel inherits the environment of whoever started it.
 *
 * @module
 */

import type { EngineConfig, RunIdentity } from "../results/mod.ts";
import { DEFAULT_REPETITIONS } from "../stats/summary.ts";
import { getScale } from "../workload/scales.ts";

/** Common experiment parameters. */
export interface ExperimentParams {
  /** Workload scale name (see lib/workload/scales.ts). */
  scale: string;
  /** Workload seed. */
  seed: number;
  /** Repetitions of every configuration. */
  repetitions: number;
}

/** Default seed of every experiment. */
export const DEFAULT_SEED = 42;

/** The parameters of a committed result: what data/ holds. */
export const DEFAULT_PARAMS: Readonly<ExperimentParams> = Object.freeze({
  scale: "default",
  seed: DEFAULT_SEED,
  repetitions: DEFAULT_REPETITIONS,
});

function integer(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return n;
}

/**
 * Resolve parameters: explicit options win, then the environment, then defaults. Bad
 * values fail with one line naming the option or variable.
 */
export function experimentParams(options: Partial<ExperimentParams> = {}): ExperimentParams {
  const env = (name: string) => Deno.env.get(name) || undefined;
  const scale = options.scale ?? env("BENCH_SCALE") ?? DEFAULT_PARAMS.scale;
  getScale(scale); // one-line error listing the valid names
  const seedText = env("BENCH_SEED");
  const seed = options.seed ??
    (seedText === undefined ? DEFAULT_SEED : integer("BENCH_SEED", seedText, 0, 0xffffffff));
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`seed must be an integer in [0, 2^32), got ${seed}`);
  }
  const repText = env("BENCH_REPETITIONS");
  const repetitions = options.repetitions ??
    (repText === undefined ? DEFAULT_REPETITIONS : integer("BENCH_REPETITIONS", repText, 1, 100));
  if (!Number.isInteger(repetitions) || repetitions < 1 || repetitions > 100) {
    throw new Error(`repetitions must be an integer from 1 to 100, got ${repetitions}`);
  }
  return { scale, seed, repetitions };
}

/** The engine side of a run's identity; a skipped engine has no version or provider. */
export interface EngineIdentity {
  engine: string;
  version: string;
  provider: string;
}

/** Identity of an engine that could not run (reported as skipped with its reason). */
export function skippedEngine(engine: string): EngineIdentity {
  return { engine, version: "-", provider: "-" };
}

/**
 * The identity of one run (lib/results RunIdentity) from an experiment's parameters and the
 * engine it ran on — the same columns, filled the same way, in every experiment.
 */
export function runIdentity(
  experiment: string,
  params: Pick<ExperimentParams, "scale" | "seed">,
  engine: EngineIdentity,
  engineConfig: EngineConfig | string,
  repetition: number,
  dims?: RunIdentity["dims"],
): RunIdentity {
  return {
    experiment,
    engine: engine.engine,
    engine_version: engine.version,
    provider: engine.provider,
    // "defaults" says so explicitly rather than leaving the column empty.
    engine_config: engineConfig === "" ||
        (typeof engineConfig === "object" && Object.keys(engineConfig).length === 0)
      ? "defaults"
      : engineConfig,
    scale: params.scale,
    seed: params.seed,
    repetition,
    ...(dims ? { dims } : {}),
  };
}

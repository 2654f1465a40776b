/**
 * What every experiment takes from its caller (a notebook, a task, a test): run or replay,
 * scale, seed and repetitions, from explicit options or the environment
 * (BENCH_RUN=1, BENCH_SCALE, BENCH_SEED, BENCH_REPETITIONS) — the kernel inherits the
 * environment of whoever runs the notebook, so one switch re-runs it.
 */

import type { EngineConfig, RunIdentity } from "../results/mod.ts";
import { DEFAULT_REPETITIONS } from "../stats/summary.ts";
import { getScale } from "../workload/scales.ts";

/** Common experiment parameters. */
export interface ExperimentParams {
  /** Run against engines (true) or read the committed CSVs in data/ (false). */
  run: boolean;
  /** Workload scale name (see lib/workload/scales.ts). */
  scale: string;
  /** Workload seed. */
  seed: number;
  /** Repetitions of every configuration. */
  repetitions: number;
  /** Progress display: silent in tests. */
  progress: "auto" | "silent";
}

/** Default seed of every experiment. */
export const DEFAULT_SEED = 42;

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`${name} must be a positive integer, got "${text}"`);
  }
  return n;
}

/**
 * Resolve parameters: explicit options win, then the environment, then defaults. Bad
 * values fail with one line naming the variable.
 */
export function experimentParams(options: Partial<ExperimentParams> = {}): ExperimentParams {
  const env = (name: string) => Deno.env.get(name) || undefined;
  const runText = env("BENCH_RUN");
  if (runText !== undefined && !["0", "1", "true", "false"].includes(runText)) {
    throw new Error(
      `BENCH_RUN must be 1 (run the experiment) or 0 (replay data/), got "${runText}"`,
    );
  }
  const scale = options.scale ?? env("BENCH_SCALE") ?? "default";
  getScale(scale); // one-line error listing the valid names
  const seedText = env("BENCH_SEED");
  const seed = options.seed ?? (seedText === undefined ? DEFAULT_SEED : Number(seedText));
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`BENCH_SEED must be an integer in [0, 2^32), got "${seedText ?? seed}"`);
  }
  const repText = env("BENCH_REPETITIONS");
  const repetitions = options.repetitions ??
    (repText === undefined ? DEFAULT_REPETITIONS : positiveInt("BENCH_REPETITIONS", repText));
  if (!Number.isInteger(repetitions) || repetitions < 1) {
    throw new Error(`repetitions must be a positive integer, got ${repetitions}`);
  }
  return {
    run: options.run ?? (runText === "1" || runText === "true"),
    scale,
    seed,
    repetitions,
    progress: options.progress ?? (env("BENCH_QUIET") === "1" ? "silent" : "auto"),
  };
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

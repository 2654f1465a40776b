/**
 * Bindings, not names (YCSB's habit: the workload knows an interface, each store implements
 * it). Every experiment defines the interface a store must offer and keeps a list of bindings,
 * one file per engine in its folder; each binding says which engine it starts, with what, and
 * what it can do (its capabilities), and the experiment plans its sweep from those
 * declarations. This module holds what all experiments share: the binding's engine part, the
 * one way to start a binding's engine or record why it cannot run here, and grouping of
 * bindings that can share one engine start.
 *
 * @module
 */

import {
  type Engine,
  engineDefinition,
  type EngineName,
  type EngineSpec,
  EngineUnavailable,
  type ProviderName,
  startEngine,
} from "../engines/mod.ts";
import { dockerAnswers } from "../engines/runtime/docker.ts";
import { externalUrl } from "../engines/runtime/external.ts";

/** The engine part of every binding. */
export interface Binding {
  /**
   * The binding's name: the engine's registry name, or the engine with a variant when one
   * engine is bound several ways (`postgres-brin`). Unique within an experiment.
   */
  readonly name: string;
  /** The registry engine it starts. */
  readonly engine: EngineName;
  /** What to start beyond the engine's name: settings, replicas, options. */
  readonly spec?: Readonly<Omit<EngineSpec, "engine">>;
  /**
   * Providers this binding may use, in order of preference; default the registry's automatic
   * choice. (A ClickHouse *server* binding says `["external", "docker"]`: natively the
   * registry would give embedded chDB, which is another binding.)
   */
  readonly providers?: readonly ProviderName[];
}

/** The bindings of `all` named in `names` (all of them when `names` is undefined). */
export function selectBindings<B extends Binding>(
  experiment: string,
  all: readonly B[],
  names?: readonly string[],
): B[] {
  if (!names) return [...all];
  return names.map((name) => {
    const found = all.find((b) => b.name === name);
    if (!found) {
      throw new Error(
        `${experiment}: no binding "${name}"; bindings: ${all.map((b) => b.name).join(", ")}`,
      );
    }
    return found;
  });
}

/** The first provider of the binding's list that can serve it here, or why none can. */
async function chosenProvider(binding: Binding): Promise<ProviderName | "auto"> {
  if (!binding.providers) return "auto";
  const definition = engineDefinition(binding.engine);
  const why: string[] = [];
  for (const p of binding.providers) {
    if (p === "external") {
      if (externalUrl(definition)) return p;
      why.push(`${definition.urlEnv} is not set`);
    } else if (p === "docker") {
      if (definition.docker && await dockerAnswers()) return p;
      why.push(definition.docker ? "no Docker daemon answers" : "no docker recipe");
    } else {
      const missing = definition.nativeMissing();
      if (!missing && definition.startNative) return p;
      why.push(missing?.reason ?? "no native provider");
    }
  }
  throw new EngineUnavailable(`${binding.name} skipped: ${why.join("; ")}`);
}

/**
 * Start the binding's engine (with `extra` spec fields for this configuration), hand it to
 * `body`, stop it. When the engine cannot run on this machine, `onSkip` gets the one-line
 * reason instead and the result is undefined; any other failure is thrown.
 */
export async function withBinding<T>(
  binding: Binding,
  extra: Omit<EngineSpec, "engine">,
  onSkip: (reason: string) => void,
  body: (engine: Engine) => Promise<T>,
): Promise<T | undefined> {
  let engine: Engine;
  try {
    const provider = await chosenProvider(binding);
    engine = await startEngine({
      ...binding.spec,
      ...extra,
      settings: { ...binding.spec?.settings, ...extra.settings },
      engine: binding.engine,
      ...(provider === "auto" ? {} : { provider }),
    });
  } catch (err) {
    if (!(err instanceof EngineUnavailable)) throw err;
    onSkip(err.message);
    return undefined;
  }
  try {
    return await body(engine);
  } finally {
    await engine.stop();
  }
}

/**
 * Bindings that start the same engine the same way, grouped in first-seen order, so each
 * group runs on one engine start (PostgreSQL bound as a heap and with BRIN indexes).
 */
export function sharedStarts<B extends Binding>(bindings: readonly B[]): B[][] {
  const groups = new Map<string, B[]>();
  for (const b of bindings) {
    const key = JSON.stringify([b.engine, b.spec ?? {}, b.providers ?? []]);
    groups.set(key, [...(groups.get(key) ?? []), b]);
  }
  return [...groups.values()];
}

/**
 * What the experiment's parts share while they run: the tables and their result sets, the
 * configuration, progress, the identity of computed rows, and the two ways a part gets its
 * engines — one engine through `withBinding`, or a set of servers (shards, pool nodes):
 * private ones started in parallel, or external ones listed in the binding's URL variable.
 *
 * @module
 */

import { type Engine, engineDefinition, type EngineSpec } from "../../engines/mod.ts";
import { connectExternalUrl } from "../../engines/runtime/external.ts";
import type { DimValue, ResultSet } from "../../results/mod.ts";
import { withBinding } from "../binding.ts";
import type { Progress } from "../experiment.ts";
import { type EngineIdentity, runIdentity, skippedEngine } from "../params.ts";
import type { ShardingBinding } from "./binding.ts";
import type { ShardingConfig } from "./config.ts";

/** Partitioning inside one server: load, queries, inserts, planning, retention, maintenance. */
export const PARTITIONING = "sharding_partitioning";
/** Shards: single-shard and scatter-gather cost, skew per shard key, 2PC against a saga. */
export const SHARDS = "sharding_shards";
/** Rebalancing: keys moved per placement scheme, computed and on a real pool; reshard summary. */
export const REBALANCE = "sharding_rebalance";
/** Throughput and errors per time bucket through each reshard. */
export const RESHARD_TIMELINE = "sharding_reshard_timeline";
/** Sessions and carts on a cluster against one server. */
export const SESSIONS = "sharding_sessions";

/** The experiment's tables, in order. */
export const SHARDING_TABLES = [
  PARTITIONING,
  SHARDS,
  REBALANCE,
  RESHARD_TIMELINE,
  SESSIONS,
] as const;

/** A table of the experiment. */
export type ShardingTable = typeof SHARDING_TABLES[number];

/** Identity of rows computed by the harness's own model (no engine involved). */
export const MODEL: EngineIdentity = {
  engine: "model",
  version: "lib/sharding",
  provider: "computed",
};

/** The state of one run. */
export interface ShardingRun {
  config: ShardingConfig;
  sets: Record<ShardingTable, ResultSet>;
  progress: Progress;
}

/** Add one run of rows: identity from `engine`, shared dims, metrics as [name, value, unit]. */
export function addRow(
  ctx: ShardingRun,
  table: ShardingTable,
  engine: EngineIdentity | Engine,
  repetition: number,
  dims: Record<string, DimValue>,
  metrics: readonly (readonly [string, number, string])[],
  engineConfig: Record<string, string> | string = "",
) {
  const id = "engine" in engine && "primary" in engine
    ? { engine: engine.engine, version: engine.version, provider: engine.provider }
    : engine as EngineIdentity;
  const config = engineConfig === "" && "settings" in engine
    ? { ...(engine as Engine).settings }
    : engineConfig;
  const run = ctx.sets[table].run(runIdentity(table, ctx.config, id, config, repetition, dims));
  for (const [m, v, u] of metrics) run.add(m, v, u);
  run.end();
}

/** One `skipped` row in `table` for a binding, with the one-line reason, and progress told. */
export function skip(
  ctx: ShardingRun,
  table: ShardingTable,
  binding: ShardingBinding,
  planned: number,
  reason: string,
) {
  ctx.progress.skip(planned, reason);
  ctx.sets[table].run(runIdentity(table, ctx.config, skippedEngine(binding.name), "", 0))
    .add("skipped", 1, "flag", { reason }).end(0);
}

/** Start a binding's engine (once), hand it to `body`, stop it; skipped engines get a row. */
export async function withEngine(
  ctx: ShardingRun,
  table: ShardingTable,
  binding: ShardingBinding,
  planned: number,
  body: (engine: Engine) => Promise<void>,
  extra: Omit<EngineSpec, "engine"> = {},
): Promise<void> {
  await withBinding(binding, extra, (reason) => skip(ctx, table, binding, planned, reason), body);
}

interface Held {
  engine: Engine;
  release(): Promise<void>;
}

/** Start one engine through `withBinding` and keep it until `release` (for parallel starts). */
function startHeld(
  binding: ShardingBinding,
  extra: Omit<EngineSpec, "engine">,
  onSkip: (reason: string) => void,
): Promise<Held | undefined> {
  return new Promise((resolve, reject) => {
    const done: Promise<unknown> = withBinding(binding, extra, (reason) => {
      onSkip(reason);
      resolve(undefined);
    }, (engine) =>
      new Promise<void>((stopNow) => {
        resolve({
          engine,
          release: async () => {
            stopNow();
            await done;
          },
        });
      }));
    done.catch(reject);
  });
}

/**
 * `count` servers of a binding's engine: the URLs listed (comma-separated) in `urlsEnv` when
 * it is set — each one server, never stopped or faulted by us — else private servers started
 * in parallel (`label`-1..count). A missing engine or too short a list skips with a row.
 */
export async function withEngines(
  ctx: ShardingRun,
  table: ShardingTable,
  binding: ShardingBinding,
  count: number,
  urlsEnv: string,
  planned: number,
  body: (engines: Engine[]) => Promise<void>,
): Promise<void> {
  const urls = (Deno.env.get(urlsEnv) ?? "").split(",").map((u) => u.trim()).filter(Boolean);
  if (urls.length > 0) {
    if (urls.length < count) {
      skip(
        ctx,
        table,
        binding,
        planned,
        `${binding.name} skipped: ${count} servers needed, ${urlsEnv} lists ${urls.length}`,
      );
      return;
    }
    const definition = engineDefinition(binding.engine);
    const engines = await Promise.all(
      urls.slice(0, count).map((u) => connectExternalUrl(definition, u, binding.spec ?? {})),
    );
    await body(engines);
    return;
  }
  let skipped: string | undefined;
  // Private servers only: the engine's own URL variable names one server, not `count` of them.
  const privateOnly: ShardingBinding = { ...binding, providers: ["native", "docker"] };
  const settled = await Promise.allSettled(
    Array.from(
      { length: count },
      (_, i) =>
        startHeld(
          privateOnly,
          { label: `${binding.name}-${i + 1}` },
          (reason) => (skipped ??= reason),
        ),
    ),
  );
  const held = settled.map((s) => (s.status === "fulfilled" ? s.value : undefined));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    for (const h of held) await h?.release();
    throw failed.reason;
  }
  try {
    if (skipped !== undefined || held.some((h) => h === undefined)) {
      skip(ctx, table, binding, planned, skipped ?? `${binding.name} skipped`);
      return;
    }
    await body(held.map((h) => h!.engine));
  } finally {
    for (const h of held) await h?.release();
  }
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The q-quantile (0..1) of a non-empty list (nearest rank). */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

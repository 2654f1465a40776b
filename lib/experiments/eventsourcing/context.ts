/**
 * What the experiment's parts share while they run: the tables, the configuration, progress,
 * the engines' admins, and adding rows.
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import type { DimValue, HistoryRow, ResultSet } from "../../results/mod.ts";
import type { Progress } from "../experiment.ts";
import { type EngineIdentity, runIdentity, skippedEngine } from "../params.ts";
import type { BusAdmin, EventStoreAdmin, ReadModelAdmin } from "./binding.ts";
import type { EventSourcingConfig } from "./config.ts";

/** Event store against CRUD: the lifecycle per operation, hot streams, bytes per order. */
export const STORE = "eventsourcing_store";
/** The read side per feed: lag, ceilings, read-your-own-write. */
export const FEEDS = "eventsourcing_feeds";
/** Rebuild time per projection and size; aggregate load with and without snapshots. */
export const REBUILD = "eventsourcing_rebuild";
/** Projector, relay and consumer crashes, and the read-model check after them. */
export const FAULTS = "eventsourcing_faults";
/** The checkout saga per gateway timeout rate against one ACID transaction; its verdicts. */
export const SAGA = "eventsourcing_saga";

/** The experiment's tables, in order. */
export const EVENTSOURCING_TABLES = [STORE, FEEDS, REBUILD, FAULTS, SAGA] as const;

/** A table of the experiment. */
export type EsTable = typeof EVENTSOURCING_TABLES[number];

/** Every saga's final record per run (re-checked by `./denow task recheck eventsourcing`). */
export const SAGA_HISTORY = "eventsourcing_sagas";
/** Every read-your-own-write probe: placed, read at once, found or not. */
export const RYOW_HISTORY = "eventsourcing_ryow";

/** The engines of one run (a missing one is undefined, its parts skipped). */
export interface EsEngines {
  /** Each role's engine, its admin, and the name of the binding that serves it. */
  store?: { engine: Engine; admin: EventStoreAdmin; binding: string };
  readModel?: { engine: Engine; admin: ReadModelAdmin; binding: string };
  bus?: { engine: Engine; admin: BusAdmin; binding: string };
}

/** The state of one run. */
export interface EsRun {
  config: EventSourcingConfig;
  sets: Record<EsTable, ResultSet>;
  histories: Record<string, HistoryRow[]>;
  progress: Progress;
  engines: EsEngines;
}

const identity = (e: Engine): EngineIdentity => ({
  engine: e.engine,
  version: e.version,
  provider: e.provider,
});

/** Add one run of rows on `engine`: shared dims, metrics as [name, value, unit]. */
export function addRow(
  ctx: EsRun,
  table: EsTable,
  engine: Engine,
  repetition: number,
  dims: Record<string, DimValue>,
  metrics: readonly (readonly [string, number, string])[],
) {
  const run = ctx.sets[table].run(
    runIdentity(table, ctx.config, identity(engine), { ...engine.settings }, repetition, dims),
  );
  for (const [m, v, u] of metrics) run.add(m, v, u);
  run.end();
  return run;
}

/** A run handle for load results (`addLoad`), ended by the caller. */
export function loadRun(
  ctx: EsRun,
  table: EsTable,
  engine: Engine,
  repetition: number,
  dims: Record<string, DimValue>,
) {
  return ctx.sets[table].run(
    runIdentity(table, ctx.config, identity(engine), { ...engine.settings }, repetition, dims),
  );
}

/** One `skipped` row in `table` for an engine, with the reason, and progress told. */
export function skip(ctx: EsRun, table: EsTable, engine: string, planned: number, reason: string) {
  ctx.progress.skip(planned, reason);
  ctx.sets[table].run(runIdentity(table, ctx.config, skippedEngine(engine), "", 0))
    .add("skipped", 1, "flag", { reason }).end(0);
}

/** The q-quantile (0..1) of a list (nearest rank); NaN for an empty one. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** Distribution metrics of a sample (ms): p50, p90, p99, max, mean, count; empty → count only. */
export function distribution(prefix: string, xs: readonly number[]): [string, number, string][] {
  if (xs.length === 0) return [[`${prefix}_count`, 0, "count"]];
  return [
    [`${prefix}_p50`, quantile(xs, 0.5), "ms"],
    [`${prefix}_p90`, quantile(xs, 0.9), "ms"],
    [`${prefix}_p99`, quantile(xs, 0.99), "ms"],
    [`${prefix}_max`, xs.reduce((a, b) => Math.max(a, b), -Infinity), "ms"],
    [`${prefix}_mean`, xs.reduce((a, b) => a + b, 0) / xs.length, "ms"],
    [`${prefix}_count`, xs.length, "count"],
  ];
}

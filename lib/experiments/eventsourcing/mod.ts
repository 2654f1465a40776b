/**
 * Experiment 05, event sourcing, CQRS and the checkout saga, measured on real engines in five
 * parts planned from what the bindings (./bindings.ts) declare — this module names no engine:
 *
 * 1. the event store against CRUD on the same order lifecycle, hot streams, bytes per order
 *    (./store_part.ts);
 * 2. the read side per feed — polling, LISTEN/NOTIFY, an outbox relayed through a bus: lag,
 *    ceiling, read-your-own-write and its fixes (./feeds_part.ts);
 * 3. rebuild time per projection and size, aggregate load with and without snapshots
 *    (./rebuild_part.ts);
 * 4. projector, relay and consumer crashes, then every read model against a from-scratch
 *    rebuild (./faults_part.ts);
 * 5. the orchestrated checkout saga with compensations, idempotency keys and orchestrator
 *    crashes, checked, against one ACID transaction (./saga_part.ts).
 *
 * Every engine shares the same two cores with the harness, the projectors and the relay (one
 * process): lags and ceilings are this machine's, their ratios are what carries over.
 *
 * @module
 */

import { checkSagas, type SagaRecord, type StockRecord } from "../../checks/saga.ts";
import { collectProvenance, type HistoryRow, ResultSet } from "../../results/mod.ts";
import { withBinding } from "../binding.ts";
import type { Experiment, Histories, Progress, Recheck, RunOutput, Tables } from "../experiment.ts";
import type { EsBinding } from "./binding.ts";
import { type EventSourcingConfig, eventSourcingConfig } from "./config.ts";
import {
  type EsEngines,
  type EsRun,
  EVENTSOURCING_TABLES,
  FAULTS,
  FEEDS,
  REBUILD,
  RYOW_HISTORY,
  SAGA,
  SAGA_HISTORY,
  skip,
  STORE,
} from "./context.ts";
import { faultsPart, faultSteps } from "./faults_part.ts";
import { feedsPart, feedSteps } from "./feeds_part.ts";
import { rebuildPart, rebuildSteps } from "./rebuild_part.ts";
import { sagaPart, sagaSteps } from "./saga_part.ts";
import { storePart, storeSteps } from "./store_part.ts";

export { type EventSourcingConfig, eventSourcingConfig } from "./config.ts";
export { EVENTSOURCING_TABLES, RYOW_HISTORY, SAGA_HISTORY } from "./context.ts";

/** Start the bindings' engines one inside the other; a missing one is left undefined. */
async function withEngines(
  ctx: EsRun,
  bindings: readonly EsBinding[],
  body: () => Promise<void>,
): Promise<void> {
  const [b, ...rest] = bindings;
  if (!b) return await body();
  const done = await withBinding(b, {}, (reason) => ctx.progress.log(reason), async (engine) => {
    if (b.eventStore) {
      const admin = await b.eventStore(engine);
      ctx.engines.store = { engine, admin, binding: b.name };
      try {
        await withEngines(ctx, rest, body);
      } finally {
        await admin.close();
      }
    } else if (b.readModel) {
      const admin = await b.readModel(engine);
      ctx.engines.readModel = { engine, admin, binding: b.name };
      try {
        await withEngines(ctx, rest, body);
      } finally {
        await admin.close();
      }
    } else if (b.bus) {
      const admin = await b.bus(engine);
      ctx.engines.bus = { engine, admin, binding: b.name };
      try {
        await withEngines(ctx, rest, body);
      } finally {
        await admin.close();
      }
    } else await withEngines(ctx, rest, body);
    return true;
  });
  if (done === undefined) await withEngines(ctx, rest, body);
}

/** Steps of every part given the engines that started. */
function plannedSteps(ctx: Pick<EsRun, "config" | "engines">) {
  return storeSteps(ctx) + feedSteps(ctx) + rebuildSteps(ctx) + faultSteps(ctx) + sagaSteps(ctx);
}

/** Run every part and return the tables and histories (writes nothing). */
export async function runEventSourcing(
  config: EventSourcingConfig,
  progress: Progress,
): Promise<RunOutput> {
  const provenance = await collectProvenance();
  const sets = Object.fromEntries(
    EVENTSOURCING_TABLES.map((t) => [t, new ResultSet(provenance)]),
  ) as EsRun["sets"];
  const engines: EsEngines = {};
  const ctx: EsRun = {
    config,
    sets,
    histories: { [SAGA_HISTORY]: [], [RYOW_HISTORY]: [] },
    progress,
    engines,
  };
  // Skipped rows name the engine each role's binding would have started (none: the role).
  const storeEngine = config.bindings.find((b) => b.eventStore)?.engine ?? "event store";
  const busEngine = config.bindings.find((b) => b.bus)?.engine ?? "bus";
  await withEngines(ctx, config.bindings, async () => {
    progress.plan(plannedSteps(ctx));
    if (!engines.store) {
      for (const t of EVENTSOURCING_TABLES) {
        skip(ctx, t, storeEngine, 0, "no event store engine here");
      }
      return;
    }
    await engines.store.admin.setup(
      Array.from(
        { length: config.products },
        (_, i) => ({ id: i + 1, priceCents: 500 + (i % 50) * 100 }),
      ),
      config.initialStock,
    );
    await storePart(ctx);
    await feedsPart(ctx);
    await rebuildPart(ctx);
    if (engines.bus) await faultsPart(ctx);
    else skip(ctx, FAULTS, busEngine, 0, `faults need the bus: no ${busEngine} here`);
    await sagaPart(ctx);
  });
  if (!engines.store) {
    for (const t of EVENTSOURCING_TABLES) {
      if (sets[t].rows().length === 0) {
        skip(ctx, t, storeEngine, 0, `${storeEngine} could not start`);
      }
    }
  }
  return {
    tables: Object.fromEntries(EVENTSOURCING_TABLES.map((t) => [t, sets[t].rows()])),
    histories: ctx.histories,
  };
}

/** The saga records and stock of one history run. */
export function sagaRecordsOf(
  rows: readonly HistoryRow[],
): Map<string, { sagas: SagaRecord[]; products: StockRecord[] }> {
  const out = new Map<string, { sagas: SagaRecord[]; products: StockRecord[] }>();
  for (const r of rows) {
    const run = out.get(r.run) ?? { sagas: [], products: [] };
    out.set(r.run, run);
    if (r.kind === "product") {
      run.products.push({
        id: Number(r.id),
        initial: Number(r.initial),
        stock: Number(r.stock),
        held: Number(r.held),
        sold: Number(r.sold),
      });
    } else {
      run.sagas.push({
        saga: Number(r.saga),
        outcome: String(r.outcome) as SagaRecord["outcome"],
        startMs: Number(r.startMs),
        endMs: Number(r.endMs),
        orderStatus: String(r.orderStatus),
        held: Number(r.held),
        captures: Number(r.captures),
        refunds: Number(r.refunds),
        shipped: String(r.shipped) === "true",
      });
    }
  }
  return out;
}

/** Judge the saved saga histories again and compare with the saved verdict rows. */
function recheckEventSourcing(histories: Histories, tables: Tables): Recheck {
  const mismatches: string[] = [];
  let checked = 0;
  const verdicts = tables[SAGA].filter((r) => r.part === "verdict" && r.metric === "valid");
  const bound = tables[SAGA].find((r) => r.metric === "bound_ms");
  for (const [run, { sagas, products }] of sagaRecordsOf(histories[SAGA_HISTORY] ?? [])) {
    const [t, rep] = run.replace("timeouts", "").split("/rep");
    const saved = verdicts.find((r) =>
      String(r.timeout_rate) === t && String(r.repetition) === rep
    );
    if (!saved) {
      mismatches.push(`${run}: no saved verdict`);
      continue;
    }
    const v = checkSagas(sagas, products, Number(bound?.value ?? 3000));
    checked++;
    if ((v.valid ? 1 : 0) !== Number(saved.value)) {
      mismatches.push(
        `${run}: saved valid=${saved.value}, now ${v.valid} (${v.examples.join("; ")})`,
      );
    }
  }
  return { checked, mismatches };
}

/** The event-sourcing experiment (notebook 05). */
export const eventsourcing: Experiment<EventSourcingConfig> = {
  id: "eventsourcing",
  title: "event sourcing, CQRS read models and the checkout saga",
  notebook: "05-event-sourcing-cqrs",
  tables: EVENTSOURCING_TABLES,
  histories: [SAGA_HISTORY, RYOW_HISTORY],
  module: import.meta.url,
  config: eventSourcingConfig,
  run: runEventSourcing,
  recheck: recheckEventSourcing,
};

export { FAULTS, FEEDS, REBUILD, SAGA, STORE };

/**
 * Experiment 08, failover and partitions: what a client sees when the primary of a replicated
 * store crashes (kill -9) or is cut off by a network partition, Jepsen-style. One writer
 * session per node writes unique ids through that node (./scenario.ts); the nemesis's faults
 * go into the same history; the checkers (lib/checks/failover.ts) judge the history afterwards:
 * write unavailability (RTO as a client sees it), acknowledged writes missing on the surviving
 * primary (RPO), two primaries accepting writes at once, and how long a partitioned primary
 * kept acknowledging. Histories are saved beside the CSV (`failover.history.csv`) and
 * `./denow task recheck failover` judges them again. The distance part (./distance_part.ts:
 * synchronous commit cost, asynchronous lag and the crash's RPO against the round trip of the
 * replication stream) writes its own table. This module names no engine: the stores come from
 * ./bindings.ts.
 *
 * @module
 */

import { collectProvenance, type HistoryRow, ResultSet } from "../../results/mod.ts";
import { withBinding } from "../binding.ts";
import type { Experiment, Histories, Progress, Recheck, RunOutput, Tables } from "../experiment.ts";
import { runIdentity, skippedEngine } from "../params.ts";
import type { FailoverBinding, FailoverMode, FaultKind } from "./binding.ts";
import { type FailoverConfig, failoverConfig } from "./config.ts";
import { runScenario } from "./scenario.ts";
import { multiPrimaryPart, multiPrimarySteps } from "./multi_primary_part.ts";
import { distancePart, distanceSteps, FAILOVER_DISTANCE } from "./distance_part.ts";
import { fromHistoryRows, toHistoryRow, VERDICT_METRICS, verdicts } from "./summary.ts";

export { type FailoverConfig, failoverConfig } from "./config.ts";
export { FAILOVER_DISTANCE } from "./distance_part.ts";

/** The result table. */
export const FAILOVER = "failover";
/** The history (saved as failover.history.csv). */
export const FAILOVER_HISTORY = "failover";

interface Ctx {
  config: FailoverConfig;
  set: ResultSet;
  history: HistoryRow[];
  progress: Progress;
  nextId: () => number;
}

function modesOf(config: FailoverConfig, b: FailoverBinding): FailoverMode[] {
  return b.modes.filter((m) => !config.modes || config.modes.includes(m.name));
}

function faultsOf(config: FailoverConfig, b: FailoverBinding, mode: FailoverMode): FaultKind[] {
  return config.faults.filter((f) => b.faults.includes(f) && (mode.faults ?? b.faults).includes(f));
}

/** Scenarios a binding runs in a mode. */
function scenariosOf(config: FailoverConfig, b: FailoverBinding, mode: FailoverMode): number {
  const faults = faultsOf(config, b, mode);
  return (faults.includes("kill") ? config.killRounds : 0) + (faults.includes("partition") ? 1 : 0);
}

/** Progress steps of the whole run. */
export function plannedSteps(config: FailoverConfig): number {
  return config.bindings.reduce(
    (n, b) => n + modesOf(config, b).reduce((k, m) => k + scenariosOf(config, b, m), 0),
    0,
  ) + config.multiPrimaryBindings.length * multiPrimarySteps() +
    config.distanceBindings.length * distanceSteps(config);
}

function skip(ctx: Ctx, b: FailoverBinding, mode: FailoverMode, planned: number, reason: string) {
  ctx.progress.skip(planned, reason);
  ctx.set.run(runIdentity(FAILOVER, ctx.config, skippedEngine(b.name), "", 0, {
    store: b.name,
    domain: b.domain,
    mode: mode.name,
  })).add("skipped", 1, "flag", { reason }).end(0);
}

/** Scenarios of one engine start: `kills` kill rounds from `round0`, then maybe a partition. */
async function onEngine(
  ctx: Ctx,
  b: FailoverBinding,
  mode: FailoverMode,
  kills: number,
  round0: number,
  partition: boolean,
) {
  const planned = kills + (partition ? 1 : 0);
  const options = {
    ...b.spec?.options,
    ...(kills > 0 ? b.faultOptions?.kill : {}),
    ...(partition ? b.faultOptions?.partition : {}),
    ...ctx.config.engineOptions[b.name],
    ...mode.options,
  };
  await withBinding(
    b,
    { options, settings: { ...b.spec?.settings, ...mode.settings } },
    (reason) => skip(ctx, b, mode, planned, reason),
    async (engine) => {
      const store = await b.open(engine, mode);
      try {
        await store.settle(ctx.config.timing.settleTimeoutMs);
        await store.setup();
        const todo: [FaultKind, number][] = [
          ...Array.from({ length: kills }, (_, i) => ["kill", round0 + i] as [FaultKind, number]),
          ...(partition ? [["partition", 0] as [FaultKind, number]] : []),
        ];
        for (const [fault, round] of todo) {
          const id = `${b.name}/${mode.name}/${fault}/${round}`;
          ctx.progress.step(id);
          const r = await runScenario(
            store,
            fault,
            ctx.config.timing,
            ctx.nextId,
            (l) => ctx.progress.log(l),
          );
          // Verdicts come from the history as saved (rounded times), so a re-check agrees.
          const rows = r.history.map((o) => toHistoryRow(id, o));
          ctx.history.push(...rows);
          const ops = fromHistoryRows(rows).get(id)!;
          const run = ctx.set.run(runIdentity(
            FAILOVER,
            ctx.config,
            { engine: b.name, version: engine.version, provider: engine.provider },
            engine.settings,
            round,
            { store: b.name, domain: b.domain, mode: mode.name, fault, history: id },
          ));
          const vs = verdicts(ops);
          for (const v of vs) run.add(v.metric, v.value, v.unit);
          run.add("takeover_timeout_ms", ctx.config.timing.takeoverTimeoutMs, "ms");
          run.add("scenario_s", Math.round(r.durationS * 100) / 100, "s").end(r.durationS);
          const get = (m: string) => vs.find((v) => v.metric === m)?.value;
          ctx.progress.log(
            `${id}: unavailable ${get("unavailable_ms") ?? "-"} ms, lost ${
              get("lost_acked_writes")
            }/` +
              `${get("acked_writes")} acked, two primaries ${
                get("two_primaries")
              }, isolated acks ` +
              `${get("isolated_acks") ?? 0}`,
          );
        }
      } finally {
        await store.close();
      }
    },
  );
}

/** Run every binding, mode and fault; returns the table and the history. */
export async function runFailover(config: FailoverConfig, progress: Progress): Promise<RunOutput> {
  const set = new ResultSet(await collectProvenance());
  let id = 0;
  const ctx: Ctx = { config, set, history: [], progress, nextId: () => ++id };
  progress.plan(plannedSteps(config));
  for (const b of config.bindings) {
    for (const mode of modesOf(config, b)) {
      const faults = faultsOf(config, b, mode);
      const kills = faults.includes("kill") ? config.killRounds : 0;
      const partition = faults.includes("partition");
      if (b.recovers) await onEngine(ctx, b, mode, kills, 0, partition);
      else {
        for (let r = 0; r < kills; r++) await onEngine(ctx, b, mode, 1, r, false);
        if (partition) await onEngine(ctx, b, mode, 0, 0, true);
      }
    }
  }
  for (const b of config.multiPrimaryBindings) await multiPrimaryPart(ctx, b);
  const distance = new ResultSet(set.provenance);
  for (const b of config.distanceBindings) {
    await distancePart({ config, distance, progress, nextId: ctx.nextId }, b);
  }
  const tables: Tables = { [FAILOVER]: set.rows(), [FAILOVER_DISTANCE]: distance.rows() };
  return { tables, histories: { [FAILOVER_HISTORY]: ctx.history } };
}

/** Judge the saved histories again and compare with the saved verdict rows. */
export function recheckFailover(histories: Histories, tables: Tables): Recheck {
  const byRun = fromHistoryRows(histories[FAILOVER_HISTORY] ?? []);
  const rows = tables[FAILOVER] ?? [];
  const mismatches: string[] = [];
  let checked = 0;
  const verdictNames = new Set<string>(VERDICT_METRICS);
  for (const [run, ops] of byRun) {
    const saved = rows.filter((r) => r.history === run && verdictNames.has(r.metric));
    if (saved.length === 0) {
      mismatches.push(`${run}: a history without verdict rows`);
      continue;
    }
    const now = verdicts(ops);
    for (const s of saved) {
      checked++;
      const v = now.find((x) => x.metric === s.metric);
      if (!v || v.value !== Number(s.value)) {
        mismatches.push(`${run}: ${s.metric} saved ${s.value}, now ${v?.value ?? "absent"}`);
      }
    }
    for (const v of now) {
      if (!saved.some((s) => s.metric === v.metric)) {
        mismatches.push(`${run}: ${v.metric} now ${v.value}, not saved`);
      }
    }
  }
  for (const r of rows) {
    if (r.history && !byRun.has(String(r.history))) {
      mismatches.push(`${r.history}: verdict rows without a history`);
      break;
    }
  }
  return { checked, mismatches };
}

/** The failover-and-partitions experiment (notebook 08). */
export const failover: Experiment<FailoverConfig> = {
  id: "failover",
  title: "high availability under crashes and network partitions",
  notebook: "08-failover-partitions",
  tables: [FAILOVER, FAILOVER_DISTANCE],
  histories: [FAILOVER_HISTORY],
  module: import.meta.url,
  config: failoverConfig,
  run: runFailover,
  recheck: recheckFailover,
};

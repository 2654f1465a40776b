/**
 * Experiment 04, replication lag and consistency per data domain: for each replication mode
 * a bound store offers (asynchronous, synchronous at several levels, semi-synchronous, a wait
 * for a replica after each write) on a primary with two replicas —
 *
 * 1. replication lag under open-loop write load at several rates, measured by the client
 *    (a watcher per replica polling for new writes) and cross-checked against the engine's
 *    own view (./lag.ts);
 * 2. what the mode costs the primary: commit latency (same runs) and the closed-loop
 *    throughput ceiling (./capacity.ts);
 * 3. read-your-writes and monotonic reads: write, wait 0/1/5/20 ms, read back from both
 *    replicas; the recorded history is judged by lib/checks/history.ts (./probes.ts);
 * 4. a fault: every replica paused (SIGSTOP) for a few seconds under load, then resumed
 *    (./pause.ts).
 *
 * Configuration in, rows out: the `replication` experiment writes data/replication.csv,
 * data/replication_lag_cdf.csv and data/replication_timeline.csv. It never names an engine:
 * the stores and the modes each offers come from ./bindings.ts.
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import { collectProvenance, type ResultRow, ResultSet } from "../../results/mod.ts";
import { selectBindings, withBinding } from "../binding.ts";
import { type Experiment, loadTicks, type Progress } from "../experiment.ts";
import { type ExperimentParams, runIdentity, skippedEngine } from "../params.ts";
import { clusterGroups, type ReplicationBinding, type ReplicationMode } from "./binding.ts";
import { REPLICATION_BINDINGS } from "./bindings.ts";
import { capacityLine, capacityRows, measureCapacity } from "./capacity.ts";
import { type Cluster, type PhaseSettings, settle } from "./cluster.ts";
import { lagLine, lagRows, measureLag } from "./lag.ts";
import { pauseLine, pauseReplicas, pauseRows } from "./pause.ts";
import { probeLine, probeReads, probeRows } from "./probes.ts";

/** Experiment id and main CSV name. */
export const REPLICATION_EXPERIMENT = "replication";
/** CSV of client-measured lag quantiles (for the CDF chart). */
export const LAG_CDF_TABLE = "replication_lag_cdf";
/** CSV of the pause fault's timeline (100 ms buckets). */
export const TIMELINE_TABLE = "replication_timeline";

/** Longest wait for replicas to work off a backlog between phases (ms). */
const SETTLE_MS = 60_000;

/** Configuration of the replication experiment. */
export interface ReplicationConfig extends ExperimentParams {
  /** The stores to compare (default: every binding of ./bindings.ts). */
  bindings: readonly ReplicationBinding[];
  /** Ids of the modes to run, of those the bindings offer (default: all of them). */
  modes: readonly string[];
  /** Replicas per cluster (2: reads spread over two replicas for monotonic reads). */
  replicas: number;
  /** Open-loop write rates of the lag runs (writes/s). */
  rates: readonly number[];
  /** Measured seconds per lag run, and warm-up before it. */
  lagDurationS: number;
  warmupS: number;
  /** Closed-loop clients and seconds of the capacity run. */
  capacityClients: number;
  capacityDurationS: number;
  /** Probe rate (write + reads per second), seconds, delays before reading back, keys. */
  probeRate: number;
  probeDurationS: number;
  delaysMs: readonly number[];
  probeKeys: number;
  /** Pause fault: write rate, seconds before, paused, after (run once per mode). */
  faultRate: number;
  faultBeforeS: number;
  pauseS: number;
  faultAfterS: number;
  /** Writer connections (open-loop in-flight bound). */
  slots: number;
  /** Statement/client timeout of a write; Redis WAIT timeout (ms). */
  timeoutMs: number;
  /** Engine-view sampling interval (ms). */
  sampleMs: number;
}

function fail(message: string): never {
  throw new Error(`replication: ${message}`);
}

/** Defaults per scale: `quick` for tests, `default` fits ~4–5 minutes here. */
export function replicationConfig(
  params: ExperimentParams,
  options: Partial<ReplicationConfig> & { engines?: readonly string[] } = {},
): ReplicationConfig {
  const quick = params.scale === "quick";
  const { engines, ...rest } = options;
  const bindings = rest.bindings ?? selectBindings("replication", REPLICATION_BINDINGS, engines);
  const config: ReplicationConfig = {
    ...params,
    bindings,
    modes: bindings.flatMap((b) => b.modes.map((m) => m.id)),
    replicas: 2,
    rates: quick ? [200] : [100, 500],
    lagDurationS: quick ? 0.6 : 1.5,
    warmupS: quick ? 0.2 : 0.3,
    capacityClients: 8,
    capacityDurationS: quick ? 0.5 : 1,
    probeRate: 200,
    probeDurationS: quick ? 0.6 : 1.5,
    delaysMs: [0, 1, 5, 20],
    probeKeys: 50,
    faultRate: 100,
    faultBeforeS: quick ? 0.3 : 0.5,
    pauseS: quick ? 0.5 : 2,
    faultAfterS: quick ? 0.5 : 1.5,
    slots: 16,
    timeoutMs: 5000,
    sampleMs: 50,
    ...rest,
  };
  validate(config);
  return config;
}

function validate(c: ReplicationConfig): void {
  const names = c.bindings.map((b) => b.name);
  if (new Set(names).size !== names.length) fail(`binding names repeat: ${names.join(", ")}`);
  const offered = c.bindings.flatMap((b) => b.modes.map((m) => m.id));
  if (new Set(offered).size !== offered.length) fail(`mode ids repeat: ${offered.join(", ")}`);
  for (const id of c.modes) {
    if (!offered.includes(id)) fail(`unknown mode "${id}"; use ${offered.join(", ")}`);
  }
  if (c.modes.length === 0) fail("modes must not be empty");
  const pos = (name: string, v: number) => {
    if (!(typeof v === "number" && Number.isFinite(v) && v > 0)) {
      fail(`${name} must be a positive number, got ${v}`);
    }
  };
  if (!Number.isInteger(c.replicas) || c.replicas < 1 || c.replicas > 4) {
    fail(`replicas must be an integer 1..4, got ${c.replicas}`);
  }
  if (c.rates.length === 0) fail("rates must not be empty");
  c.rates.forEach((r) => pos("rate", r));
  for (
    const k of [
      "lagDurationS",
      "capacityDurationS",
      "probeRate",
      "probeDurationS",
      "faultRate",
      "pauseS",
      "timeoutMs",
      "sampleMs",
    ] as const
  ) pos(k, c[k]);
  for (const k of ["capacityClients", "slots", "probeKeys"] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) fail(`${k} must be a positive integer, got ${c[k]}`);
  }
  for (const d of c.delaysMs) {
    if (!(Number.isFinite(d) && d >= 0)) fail(`delays must be >= 0 ms, got ${d}`);
  }
  if (c.pauseS * 1000 >= c.timeoutMs) {
    fail(`pauseS (${c.pauseS} s) must be shorter than timeoutMs (${c.timeoutMs} ms)`);
  }
}

/** The modes of a binding the configuration runs, in the binding's order. */
export function modesOf(config: ReplicationConfig, binding: ReplicationBinding): ReplicationMode[] {
  return binding.modes.filter((m) => config.modes.includes(m.id));
}

/**
 * Configurations the sweep measures per mode: per repetition one lag run per rate, one
 * capacity run and one probe run; then the fault, once.
 */
export function runsPerMode(config: ReplicationConfig): number {
  return config.repetitions * (config.rates.length + 2) + 1;
}

/** The replication experiment (notebook 04). */
export const replication: Experiment<ReplicationConfig> = {
  id: REPLICATION_EXPERIMENT,
  title: "consistency and replication per data domain",
  notebook: "04-replication-lag",
  tables: [REPLICATION_EXPERIMENT, LAG_CDF_TABLE, TIMELINE_TABLE],
  module: import.meta.url,
  config: replicationConfig,
  run: runReplication,
};

/** The three tables of the experiment, by CSV name. */
export type ReplicationTables = Record<
  typeof REPLICATION_EXPERIMENT | typeof LAG_CDF_TABLE | typeof TIMELINE_TABLE,
  ResultRow[]
>;

/** The row sets a sweep fills, one per table. */
interface RowSets {
  results: ResultSet;
  cdf: ResultSet;
  timeline: ResultSet;
}

/** Run every selected mode against real engines and return the rows (writes nothing). */
export async function runReplication(
  config: ReplicationConfig,
  progress: Progress,
): Promise<ReplicationTables> {
  const results = new ResultSet(await collectProvenance());
  const sets: RowSets = {
    results,
    cdf: new ResultSet(results.provenance),
    timeline: new ResultSet(results.provenance),
  };
  const perMode = runsPerMode(config);
  progress.plan(config.bindings.reduce((n, b) => n + modesOf(config, b).length * perMode, 0));
  for (const binding of config.bindings) {
    // Modes that need the same cluster share one engine start.
    for (const group of clusterGroups(modesOf(config, binding))) {
      const cluster = { replicas: config.replicas, replication: group[0].cluster };
      await withBinding(binding, cluster, (reason) => {
        progress.skip(group.length * perMode, reason);
        for (const mode of group) skipRows(sets, config, binding, mode, reason);
      }, async (engine) => {
        const store = binding.store(engine);
        try {
          await store.setup();
          const c: Cluster = { engine, store, seq: 0, keySpace: 0 };
          for (const mode of group) await sweepMode(c, mode, config, sets, progress);
        } finally {
          await store.close();
        }
      });
    }
  }
  return {
    [REPLICATION_EXPERIMENT]: results.rows(),
    [LAG_CDF_TABLE]: sets.cdf.rows(),
    [TIMELINE_TABLE]: sets.timeline.rows(),
  };
}

/**
 * A mode that cannot run here: one `skipped` row with the reason in every table, so each
 * table says why it lacks the mode (and none is empty when every engine is missing).
 */
function skipRows(
  sets: RowSets,
  config: ReplicationConfig,
  binding: ReplicationBinding,
  mode: ReplicationMode,
  reason: string,
): void {
  const id = runIdentity(REPLICATION_EXPERIMENT, config, skippedEngine(binding.name), "", 0, {
    mode: mode.id,
  });
  for (const set of [sets.results, sets.cdf, sets.timeline]) {
    set.run(id).add("skipped", 1, "flag", { reason }).end(0);
  }
}

/**
 * The settings of a cluster that matter for its results, as engine_config: the engine's
 * settings, the replica count and replication mode, and what the mode adds (a per-session
 * level the server settings do not show).
 */
export function engineConfig(engine: Engine, mode: ReplicationMode, replicas: number): string {
  const s: Record<string, string> = {
    ...engine.settings,
    replicas: String(replicas),
    ...mode.engineConfig,
    replication: mode.cluster.mode,
  };
  return Object.keys(s).sort().map((k) => `${k}=${s[k] === "" ? '""' : s[k]}`).join(";");
}

/** Every configuration of one mode on its started cluster: the phases in order. */
async function sweepMode(
  c: Cluster,
  mode: ReplicationMode,
  config: ReplicationConfig,
  { results, cdf, timeline }: RowSets,
  progress: Progress,
): Promise<void> {
  const id = (rep: number) =>
    runIdentity(
      REPLICATION_EXPERIMENT,
      config,
      { engine: c.engine.engine, version: c.engine.version, provider: c.engine.provider },
      engineConfig(c.engine, mode, config.replicas),
      rep,
      { mode: mode.id },
    );
  const settings: PhaseSettings = {
    slots: config.slots,
    timeoutMs: config.timeoutMs,
    sampleMs: config.sampleMs,
    catchUpMs: config.timeoutMs,
    seed: config.seed,
    ticks: loadTicks(progress),
  };
  const begin = (label: string) => {
    progress.step(label);
    return `replication ${label}`;
  };
  for (let rep = 0; rep < config.repetitions; rep++) {
    const s = { ...settings, seed: config.seed + rep * 7919 };
    for (const rate of config.rates) {
      const label = begin(`${mode.id} ${rate}/s rep ${rep + 1}`);
      await settle(c, mode, SETTLE_MS);
      const run = results.run({ ...id(rep), dims: { mode: mode.id, phase: "lag", rate } });
      const r = await measureLag(
        c,
        mode,
        s,
        rate,
        config.lagDurationS * 1000,
        config.warmupS * 1000,
        label,
      );
      lagRows(run, r, cdf.run({ ...id(rep), dims: { mode: mode.id, rate } }));
      run.end();
      progress.log(lagLine(label, r));
    }
    const capLabel = begin(`${mode.id} capacity rep ${rep + 1}`);
    const cap = results.run({
      ...id(rep),
      dims: { mode: mode.id, phase: "capacity", clients: config.capacityClients },
    });
    const load = await measureCapacity(
      c,
      mode,
      s,
      config.capacityClients,
      config.capacityDurationS * 1000,
      capLabel,
    );
    capacityRows(cap, load, await settle(c, mode, SETTLE_MS));
    cap.end();
    progress.log(capacityLine(capLabel, load, config.capacityClients));
    const probeLabel = begin(`${mode.id} probes rep ${rep + 1}`);
    const probe = await probeReads(
      c,
      mode,
      s,
      config.probeRate,
      config.probeDurationS * 1000,
      config.delaysMs,
      config.probeKeys,
      probeLabel,
    );
    const pr = results.run({ ...id(rep), dims: { mode: mode.id, phase: "probe" } });
    probeRows(pr, probe);
    pr.end();
    progress.log(probeLine(probeLabel, probe));
  }
  // The fault runs once per mode: a pause is slow, and its shape matters more than its
  // spread.
  const pauseLabel = begin(`${mode.id} pause`);
  await settle(c, mode, SETTLE_MS);
  const fr = results.run({ ...id(0), dims: { mode: mode.id, phase: "pause" } });
  const f = await pauseReplicas(
    c,
    mode,
    settings,
    config.faultRate,
    config.faultBeforeS * 1000,
    config.pauseS * 1000,
    config.faultAfterS * 1000,
    pauseLabel,
  );
  const tl = timeline.run({ ...id(0), dims: { mode: mode.id } });
  pauseRows(fr, f, tl);
  fr.end();
  tl.end();
  progress.log(pauseLine(pauseLabel, f));
}

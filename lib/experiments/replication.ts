/**
 * Experiment 04, replication lag and consistency per data domain: for each replication mode
 * (PostgreSQL async and synchronous at remote_write / on / remote_apply, MariaDB async and
 * semi-sync, Redis with and without WAIT) on a primary with two replicas —
 *
 * 1. replication lag under open-loop write load at several rates, measured by the client
 *    (a watcher per replica polling for new writes) and cross-checked against the engine's
 *    own view (pg_stat_replication, GTID positions, replication offsets);
 * 2. what the mode costs the primary: commit latency (same runs) and the closed-loop
 *    throughput ceiling;
 * 3. read-your-writes and monotonic reads: write, wait 0/1/5/20 ms, read back from both
 *    replicas; the recorded history is judged by lib/checks/history.ts;
 * 4. a fault: every replica paused (SIGSTOP) for a few seconds under load, then resumed.
 *
 * Configuration in, rows out: `replicationExperiment(config)` returns the rows of
 * data/replication.csv, data/replication_lag_cdf.csv and data/replication_timeline.csv
 * (running the engines, or replaying the committed files).
 */

import { EngineUnavailable, startEngine } from "../engines/mod.ts";
import type { Engine } from "../engines/types.ts";
import { collectProvenance, type ResultRow, ResultSet, type RunResults } from "../results/mod.ts";
import { type ExperimentParams, experimentParams, runIdentity, skippedEngine } from "./params.ts";
import { runOrReplay } from "./replay.ts";
import { mariadbReplication } from "./replication/mariadb.ts";
import {
  type Cluster,
  type LagResult,
  measureCapacity,
  measureLag,
  pauseReplicas,
  type PhaseSettings,
  probeReads,
  settle,
} from "./replication/phases.ts";
import { postgresReplication } from "./replication/postgres.ts";
import { redisReplication } from "./replication/redis.ts";
import {
  parseModes,
  REPLICATION_MODES,
  type ReplicationMode,
  type ReplicationStore,
} from "./replication/store.ts";
import { mean, quantile } from "./replication/watch.ts";

/** Experiment id and main CSV name. */
export const REPLICATION_EXPERIMENT = "replication";
/** CSV of client-measured lag quantiles (for the CDF chart). */
export const LAG_CDF_TABLE = "replication_lag_cdf";
/** CSV of the pause fault's timeline (100 ms buckets). */
export const TIMELINE_TABLE = "replication_timeline";

/** Quantiles of client lag written to the CDF table. */
export const CDF_QUANTILES: readonly number[] = [
  ...Array.from({ length: 19 }, (_, i) => (i + 1) / 20),
  0.99,
  0.999,
  1,
];

/** Longest wait for replicas to work off a backlog between phases (ms). */
const SETTLE_MS = 60_000;

/** Configuration of the replication experiment. */
export interface ReplicationConfig extends ExperimentParams {
  /** Mode ids (see REPLICATION_MODES). */
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

/** Defaults per scale: `quick` for tests, `default` fits ~4–5 minutes here. */
export function replicationConfig(options: Partial<ReplicationConfig> = {}): ReplicationConfig {
  const params = experimentParams(options);
  const quick = params.scale === "quick";
  const config: ReplicationConfig = {
    ...params,
    modes: REPLICATION_MODES.map((m) => m.id),
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
    ...options,
  };
  validate(config);
  return config;
}

function validate(c: ReplicationConfig): void {
  parseModes(c.modes);
  if (c.modes.length === 0) throw new Error("replication: modes must not be empty");
  const pos = (name: string, v: number) => {
    if (!(typeof v === "number" && Number.isFinite(v) && v > 0)) {
      throw new Error(`replication: ${name} must be a positive number, got ${v}`);
    }
  };
  if (!Number.isInteger(c.replicas) || c.replicas < 1 || c.replicas > 4) {
    throw new Error(`replication: replicas must be an integer 1..4, got ${c.replicas}`);
  }
  if (c.rates.length === 0) throw new Error("replication: rates must not be empty");
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
    if (!Number.isInteger(c[k]) || c[k] < 1) {
      throw new Error(`replication: ${k} must be a positive integer, got ${c[k]}`);
    }
  }
  for (const d of c.delaysMs) {
    if (!(Number.isFinite(d) && d >= 0)) {
      throw new Error(`replication: delays must be >= 0 ms, got ${d}`);
    }
  }
  if (c.pauseS * 1000 >= c.timeoutMs) {
    throw new Error(
      `replication: pauseS (${c.pauseS} s) must be shorter than timeoutMs (${c.timeoutMs} ms)`,
    );
  }
}

/** The three tables of the experiment, by CSV name. */
export type ReplicationTables = Record<
  typeof REPLICATION_EXPERIMENT | typeof LAG_CDF_TABLE | typeof TIMELINE_TABLE,
  ResultRow[]
>;

/** Rows of the experiment's CSVs: run the sweep, or replay the committed files. */
export async function replicationExperiment(
  options: Partial<ReplicationConfig> = {},
): Promise<ReplicationTables> {
  const config = replicationConfig(options);
  return await runOrReplay(
    [REPLICATION_EXPERIMENT, LAG_CDF_TABLE, TIMELINE_TABLE],
    config.run,
    () => runReplication(config),
  );
}

function storeFor(engine: Engine): ReplicationStore {
  switch (engine.engine) {
    case "postgres":
      return postgresReplication(engine);
    case "mariadb":
      return mariadbReplication(engine);
    case "redis":
      return redisReplication(engine);
    default:
      throw new Error(`replication: no store for ${engine.engine}`);
  }
}

/** Modes grouped by the cluster they need, in first-seen order (one engine start each). */
function clusters(modes: readonly ReplicationMode[]): ReplicationMode[][] {
  const groups = new Map<string, ReplicationMode[]>();
  for (const m of modes) {
    const key = `${m.engine}:${m.cluster.mode}:${m.cluster.synchronousCommit ?? ""}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  return [...groups.values()];
}

/** The settings of a cluster that matter for its results, as engine_config. */
function engineConfig(engine: Engine, mode: ReplicationMode, replicas: number): string {
  const s: Record<string, string> = { ...engine.settings, replicas: String(replicas) };
  if (engine.engine === "postgres") s.session_synchronous_commit = mode.level;
  if (engine.engine === "redis") s.wait = mode.level === "wait" ? "WAIT 1" : "none";
  s.replication = mode.cluster.mode;
  return Object.keys(s).sort().map((k) => `${k}=${s[k] === "" ? '""' : s[k]}`).join(";");
}

/** Run every mode against real engines and return the rows (writes nothing). */
export async function runReplication(
  config: ReplicationConfig,
  log = (line: string) => console.error(line),
): Promise<ReplicationTables> {
  const results = new ResultSet(await collectProvenance());
  const cdf = new ResultSet(results.provenance);
  const timeline = new ResultSet(results.provenance);
  const settings: PhaseSettings = {
    slots: config.slots,
    timeoutMs: config.timeoutMs,
    sampleMs: config.sampleMs,
    catchUpMs: config.timeoutMs,
    seed: config.seed,
    progress: config.progress,
  };
  for (const group of clusters(parseModes(config.modes))) {
    const first = group[0];
    let engine: Engine;
    try {
      engine = await startEngine({
        engine: first.engine,
        replicas: config.replicas,
        replication: first.cluster,
      });
    } catch (err) {
      if (!(err instanceof EngineUnavailable)) throw err;
      log(`replication: ${err.message}`);
      for (const m of group) {
        results.run(
          runIdentity(REPLICATION_EXPERIMENT, config, skippedEngine(m.engine), "", 0, {
            mode: m.id,
          }),
        ).add("skipped", 1, "flag", {
          reason: err.message,
        }).end(0);
      }
      continue;
    }
    const store = storeFor(engine);
    try {
      await store.setup();
      const c: Cluster = { engine, store, seq: 0, keySpace: 0 };
      for (const mode of group) {
        const id = (rep: number) =>
          runIdentity(
            REPLICATION_EXPERIMENT,
            config,
            { engine: mode.engine, version: engine.version, provider: engine.provider },
            engineConfig(engine, mode, config.replicas),
            rep,
            { mode: mode.id },
          );
        for (let rep = 0; rep < config.repetitions; rep++) {
          const s = { ...settings, seed: config.seed + rep * 7919 };
          for (const rate of config.rates) {
            await settle(c, mode, SETTLE_MS);
            const run = results.run({ ...id(rep), dims: { mode: mode.id, phase: "lag", rate } });
            const r = await measureLag(
              c,
              mode,
              s,
              rate,
              config.lagDurationS * 1000,
              config.warmupS * 1000,
              `replication ${mode.id} ${rate}/s rep ${rep + 1}`,
            );
            addLag(run, r, cdf.run({ ...id(rep), dims: { mode: mode.id, rate } }));
            run.end();
            const c1 = r.client[0];
            log(
              `replication: ${mode.id} ${rate}/s rep ${rep + 1}: commit p50 ${
                r.load.latency.p50.toFixed(2)
              } ms, p99 ${r.load.latency.p99.toFixed(2)} ms; ${c1.node} lag mean ${
                mean(c1.fromAck).toFixed(2)
              } ms p99 ${quantile(c1.fromAck, 0.99).toFixed(2)} ms (resolution ${
                c1.resolutionMs.toFixed(2)
              } ms)`,
            );
          }
          const cap = results.run({
            ...id(rep),
            dims: { mode: mode.id, phase: "capacity", clients: config.capacityClients },
          });
          const capacity = await measureCapacity(
            c,
            mode,
            s,
            config.capacityClients,
            config.capacityDurationS * 1000,
            `replication ${mode.id} capacity rep ${rep + 1}`,
          );
          // How long the replicas needed to apply the burst (MariaDB applies serially).
          cap.add("replica_catch_up", await settle(c, mode, SETTLE_MS), "ms");
          cap.addLoad(capacity).end();
          log(
            `replication: ${mode.id} capacity rep ${rep + 1}: ${
              capacity.throughput.toFixed(0)
            } writes/s with ${config.capacityClients} clients`,
          );
          const probe = await probeReads(
            c,
            mode,
            s,
            config.probeRate,
            config.probeDurationS * 1000,
            config.delaysMs,
            config.probeKeys,
            `replication ${mode.id} probes rep ${rep + 1}`,
          );
          const pr = results.run({ ...id(rep), dims: { mode: mode.id, phase: "probe" } });
          pr.add("history_valid", probe.verdict.valid ? 1 : 0, "flag");
          pr.add("reads", probe.verdict.reads, "count");
          pr.add("writes", probe.verdict.writes, "count");
          pr.add("phantom_reads", probe.verdict.anomalies.phantom_read, "count");
          pr.add("probe_errors", probe.load.errors, "count");
          for (const [delay, g] of Object.entries(probe.verdict.byGroup)) {
            const d = { delay_ms: Number(delay) };
            const rate = (n: number) => (g.reads > 0 ? n / g.reads : 0);
            pr.add("reads", g.reads, "count", d);
            pr.add("stale_read_rate", rate(g.anomalies.stale_read), "ratio", d);
            pr.add("ryw_violation_rate", rate(g.anomalies.read_your_writes), "ratio", d);
            pr.add("monotonic_violation_rate", rate(g.anomalies.monotonic_read), "ratio", d);
            pr.add("actual_delay", probe.actualDelayMs[delay] ?? 0, "ms", d);
          }
          pr.end();
          log(
            `replication: ${mode.id} probes rep ${rep + 1}: ${
              Object.entries(probe.verdict.byGroup).map(([d, g]) =>
                `${d} ms → ${(100 * g.anomalies.read_your_writes / g.reads).toFixed(1)} % RYW`
              ).join(", ")
            }; ${probe.verdict.examples[0] ?? "no anomaly"}`,
          );
        }
        // The fault runs once per mode: a pause is slow, and its shape matters more than
        // its spread.
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
          `replication ${mode.id} pause`,
        );
        fr.add("pause", f.pauseMs, "ms");
        fr.add("max_commit_latency", f.maxCommitMs, "ms");
        fr.add("acked_during_pause", f.ackedDuringPause, "count");
        fr.add("unreplicated_acks", f.unreplicated, "count");
        fr.add("commit_recovery", f.commitRecoveryMs, "ms");
        fr.add("errors", f.load.errors, "count");
        fr.add("throughput", f.load.throughput, "ops/s");
        for (const [node, v] of Object.entries(f.catchUpMs)) fr.add("catch_up", v, "ms", { node });
        for (const [node, v] of Object.entries(f.maxLagMs)) fr.add("max_lag", v, "ms", { node });
        fr.end();
        const tl = timeline.run({ ...id(0), dims: { mode: mode.id } });
        for (const p of f.timeline) {
          tl.add(
            p.metric,
            p.value,
            p.metric === "writes_acked" ? "count" : p.metric === "engine_backlog" ? "stream" : "ms",
            {
              t_ms: p.tMs,
              node: p.node,
            },
          );
        }
        tl.end();
        log(
          `replication: ${mode.id} pause ${config.pauseS} s: max commit ${
            f.maxCommitMs.toFixed(0)
          } ms, ${f.ackedDuringPause} writes acknowledged while paused, catch-up ${
            Object.entries(f.catchUpMs).map(([n, v]) => `${n} ${v.toFixed(0)} ms`).join(", ")
          }`,
        );
      }
    } finally {
      await store.close();
      await engine.stop();
    }
  }
  return {
    [REPLICATION_EXPERIMENT]: results.rows(),
    [LAG_CDF_TABLE]: cdf.rows(),
    [TIMELINE_TABLE]: timeline.rows(),
  };
}

/**
 * The tolerance of the client/engine cross-check (ms): the client's visibility windows are
 * this wide on average, and the engine's view is sampled, not continuous. At least 1 ms.
 */
export function crossCheckTolerance(resolutionMs: number): number {
  return Math.max(1, 2 * resolutionMs);
}

function addLag(run: RunResults, r: LagResult, cdf: RunResults): void {
  run.addLoad(r.load);
  run.add("unreplicated_acks", r.unreplicated, "count");
  run.add("stream_per_write", r.streamPerWrite, r.streamUnit);
  for (const cl of r.client) {
    const node = { node: cl.node };
    const l = cl.fromAck;
    if (l.length > 0) {
      run.add("client_lag_mean", mean(l), "ms", node);
      run.add("client_lag_p50", quantile(l, 0.5), "ms", node);
      run.add("client_lag_p90", quantile(l, 0.9), "ms", node);
      run.add("client_lag_p99", quantile(l, 0.99), "ms", node);
      run.add("client_lag_max", quantile(l, 1), "ms", node);
      run.add("client_lag_from_invoke_mean", mean(cl.fromInvoke), "ms", node);
      for (const q of CDF_QUANTILES) {
        cdf.add("client_lag", quantile(l, q), "ms", { node: cl.node, quantile: q });
      }
    }
    run.add("visible_at_ack", cl.visibleAtAck, "ratio", node);
    run.add("never_seen", cl.neverSeen, "count", node);
    run.add("lag_resolution", Number.isFinite(cl.resolutionMs) ? cl.resolutionMs : 0, "ms", node);
    run.add("poll_rate", cl.pollRate, "polls/s", node);
    const e = r.engine.find((x) => x.node === cl.node);
    if (!e) continue;
    const opt = (metric: string, v: number | undefined, unit: string) => {
      if (v !== undefined && Number.isFinite(v)) run.add(metric, v, unit, node);
    };
    opt("engine_replay_lag_mean", e.replayLagMs, "ms");
    opt("engine_write_lag_mean", e.writeLagMs, "ms");
    opt("engine_flush_lag_mean", e.flushLagMs, "ms");
    opt("engine_backlog_mean", e.backlog, e.backlogUnit ?? "");
    opt("engine_little_lag_mean", e.littleLagMs, "ms");
    opt("engine_seconds_behind_mean", e.secondsBehind, "s");
    run.add("engine_samples", e.samples, "count", node);
    // The cross-check: the engine's lag (PostgreSQL's own replay_lag; elsewhere the backlog
    // it reports turned into time by Little's law) must lie between the client's lag from
    // the acknowledgement and its lag from the write's start — the engine starts its clock
    // between the two (at the local commit) — within the tolerance.
    const engineMs = e.replayLagMs ?? e.littleLagMs;
    if (engineMs === undefined || l.length === 0) continue;
    const tol = crossCheckTolerance(cl.resolutionMs);
    const low = mean(l) - tol;
    const high = mean(cl.fromInvoke) + tol;
    run.add("crosscheck_engine_lag", engineMs, "ms", node);
    run.add("crosscheck_low", low, "ms", node);
    run.add("crosscheck_high", high, "ms", node);
    run.add("crosscheck_tolerance", tol, "ms", node);
    run.add("crosscheck_agrees", engineMs >= low && engineMs <= high ? 1 : 0, "flag", node);
  }
}

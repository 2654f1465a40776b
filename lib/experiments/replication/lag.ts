/**
 * The lag phase of a replication mode: open-loop writes at a rate, the client's lag
 * distribution per replica next to the engine's own view, and the commit latency the mode
 * costs — then its rows (data/replication.csv, phase `lag`; data/replication_lag_cdf.csv)
 * with the client/engine cross-check.
 *
 * @module
 */

import type { LoadResult } from "../../load/run.ts";
import type { RunResults } from "../../results/mod.ts";
import type { ReplicationMode } from "./binding.ts";
import { type Ack, type Cluster, type PhaseSettings, withWatchedWrites } from "./cluster.ts";
import { type EngineSampler, mean, quantile, type VisibilityWatcher } from "./watch.ts";

/** Quantiles of client lag written to the CDF table. */
export const CDF_QUANTILES: readonly number[] = [
  ...Array.from({ length: 19 }, (_, i) => (i + 1) / 20),
  0.99,
  0.999,
  1,
];

/** Lag of one replica as the client saw it. */
export interface ClientLag {
  node: string;
  /** Visibility − acknowledgement per measured write (ms, ≥ 0: visible by the ack is 0). */
  fromAck: number[];
  /** Visibility − invocation of the write (ms): brackets the engine's view from above. */
  fromInvoke: number[];
  /** Share of writes already visible when the client got the acknowledgement. */
  visibleAtAck: number;
  /** Measured writes the replica never showed within the catch-up limit. */
  neverSeen: number;
  /** Mean width of the visibility windows (ms): the measurement's resolution. */
  resolutionMs: number;
  /** Polls per second the watcher made. */
  pollRate: number;
}

/** The engine's view of one replica over the measured window. */
export interface EngineLag {
  node: string;
  /** Mean of the engine's time-valued lag (PostgreSQL replay_lag), if it has one (ms). */
  replayLagMs?: number;
  writeLagMs?: number;
  flushLagMs?: number;
  /** Mean backlog the engine reports (bytes or transactions). */
  backlog?: number;
  backlogUnit?: string;
  /** Backlog turned into time by Little's law: mean backlog ÷ write rate (ms). */
  littleLagMs?: number;
  /** Mean Seconds_Behind_Master (MariaDB, 1 s resolution). */
  secondsBehind?: number;
  samples: number;
}

/** Result of {@link measureLag}. */
export interface LagResult {
  load: LoadResult;
  unreplicated: number;
  client: ClientLag[];
  engine: EngineLag[];
  /** Replication stream per acknowledged write (bytes, or transactions for MariaDB). */
  streamPerWrite: number;
  streamUnit: string;
}

function clientLag(w: VisibilityWatcher, acks: Map<number, Ack>, windowS: number): ClientLag {
  const fromAck: number[] = [];
  const fromInvoke: number[] = [];
  let atAck = 0;
  let never = 0;
  for (const [seq, a] of acks) {
    if (!a.measured) continue;
    const v = w.visibleAt.get(seq);
    if (v === undefined) {
      never++;
      continue;
    }
    if (v <= a.ack) atAck++;
    fromAck.push(Math.max(0, v - a.ack));
    fromInvoke.push(Math.max(0, v - a.invoke));
  }
  fromAck.sort((x, y) => x - y);
  fromInvoke.sort((x, y) => x - y);
  return {
    node: w.node,
    fromAck,
    fromInvoke,
    visibleAtAck: fromAck.length ? atAck / fromAck.length : 0,
    neverSeen: never,
    resolutionMs: mean(w.resolution),
    pollRate: windowS > 0 ? w.polls / windowS : 0,
  };
}

function engineLag(
  sampler: EngineSampler,
  node: string,
  from: number,
  to: number,
  perWrite: number,
  writesPerMs: number,
): EngineLag {
  const inWindow = sampler.samples.filter((s) => s.node === node && s.tMs >= from && s.tMs <= to);
  const avg = (metric: string) => {
    const xs = inWindow.filter((s) => s.metric === metric).map((s) => s.value);
    return xs.length ? mean(xs) : undefined;
  };
  const bytes = avg("backlog_bytes");
  const tx = avg("backlog_tx");
  const backlog = bytes ?? tx;
  const writesBehind = backlog === undefined || !(perWrite > 0) ? undefined : backlog / perWrite;
  return {
    node,
    replayLagMs: avg("replay_lag_ms"),
    writeLagMs: avg("write_lag_ms"),
    flushLagMs: avg("flush_lag_ms"),
    backlog,
    backlogUnit: bytes !== undefined ? "bytes" : tx !== undefined ? "tx" : undefined,
    littleLagMs: writesBehind === undefined || !(writesPerMs > 0)
      ? undefined
      : writesBehind / writesPerMs,
    secondsBehind: avg("seconds_behind"),
    samples: new Set(inWindow.map((s) => s.tMs)).size,
  };
}

/**
 * Open-loop writes at `ratePerSec` for `durationMs` (after `warmupMs`), with a watcher per
 * replica and the engine sampler running; then waits for the replicas to catch up.
 */
export async function measureLag(
  c: Cluster,
  mode: ReplicationMode,
  s: PhaseSettings,
  ratePerSec: number,
  durationMs: number,
  warmupMs: number,
  label: string,
): Promise<LagResult> {
  return await withWatchedWrites(
    c,
    mode,
    s,
    async ({ run, acks, watchers, sampler, catchUp }) => {
      const pos0 = await c.store.position();
      const t0 = performance.now();
      const load = await run(ratePerSec, durationMs, warmupMs, label);
      const measureStart = t0 + warmupMs;
      const measureEnd = performance.now();
      const pos1 = await c.store.position();
      await catchUp();
      const written = acks.size;
      const perWrite = written > 0 ? (pos1.value - pos0.value) / written : 0;
      const windowMs = measureEnd - measureStart;
      const measured = [...acks.values()].filter((a) => a.measured);
      const writesPerMs = windowMs > 0 ? measured.length / windowMs : 0;
      return {
        load,
        unreplicated: measured.filter((a) => a.outcome === "unreplicated").length,
        client: watchers.map((w) => clientLag(w, acks, windowMs / 1000)),
        engine: c.engine.replicas.map((r) =>
          engineLag(sampler, r.name, measureStart, measureEnd, perWrite, writesPerMs)
        ),
        streamPerWrite: perWrite,
        streamUnit: pos0.unit,
      };
    },
  );
}

/**
 * The tolerance of the client/engine cross-check (ms): the client's visibility windows are
 * this wide on average, and the engine's view is sampled, not continuous. At least 1 ms.
 */
export function crossCheckTolerance(resolutionMs: number): number {
  return Math.max(1, 2 * resolutionMs);
}

/** A lag run's metrics into its row set, and its lag quantiles into the CDF table's. */
export function lagRows(run: RunResults, r: LagResult, cdf: RunResults): void {
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

/** A lag run's headline: commit latency and the first replica's lag with its resolution. */
export function lagLine(label: string, r: LagResult): string {
  const c1 = r.client[0];
  return `${label}: commit p50 ${r.load.latency.p50.toFixed(2)} ms, p99 ${
    r.load.latency.p99.toFixed(2)
  } ms; ${c1.node} lag mean ${mean(c1.fromAck).toFixed(2)} ms p99 ${
    quantile(c1.fromAck, 0.99).toFixed(2)
  } ms (resolution ${c1.resolutionMs.toFixed(2)} ms)`;
}

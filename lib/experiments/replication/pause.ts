/**
 * The fault phase of a replication mode: every replica stopped (SIGSTOP) for a while under
 * load, then resumed (SIGCONT), with commits and lag followed on a 100 ms timeline — its rows
 * are data/replication.csv's phase `pause` and data/replication_timeline.csv.
 *
 * @module
 */

import type { LoadResult } from "../../load/run.ts";
import type { RunResults } from "../../results/mod.ts";
import type { ReplicationMode } from "./binding.ts";
import { type Ack, type Cluster, type PhaseSettings, withWatchedWrites } from "./cluster.ts";
import { type EngineSampler, until, type VisibilityWatcher } from "./watch.ts";

/** One 100 ms bucket of the pause timeline (times relative to the pause, ms). */
export interface TimelinePoint {
  tMs: number;
  metric: string;
  node: string;
  value: number;
}

/** Result of {@link pauseReplicas}. */
export interface PauseResult {
  load: LoadResult;
  pauseMs: number;
  /** Longest commit latency from intended start (ms). */
  maxCommitMs: number;
  /**
   * Writes begun after every replica was stopped and acknowledged before they resumed: 0 for
   * a mode that waits for a replica. (Counting every acknowledgement in the window would also
   * count commits whose replica confirmation was already on its way when SIGSTOP landed.)
   */
  ackedDuringPause: number;
  /** Writes acknowledged without the replication the mode promises. */
  unreplicated: number;
  /** From resume until the last write invoked before the resume was acknowledged (ms). */
  commitRecoveryMs: number;
  /** Per replica: from resume until it showed every write acknowledged before (ms). */
  catchUpMs: Record<string, number>;
  /** Per replica: the largest client-observed lag (ms). */
  maxLagMs: Record<string, number>;
  timeline: TimelinePoint[];
}

/** When the fault happened (`performance.now()` ms; Infinity when it never did). */
interface FaultTimes {
  /** When the pause was asked for: t = 0 of the timeline. */
  pauseAt: number;
  /** When every replica was stopped. */
  pausedAt: number;
  /** When every replica was running again. */
  resumedAt: number;
}

/**
 * Writes at `ratePerSec`; after `beforeMs` every replica is paused (SIGSTOP) for `pauseMs`
 * and resumed (SIGCONT); the load goes on for `afterMs`.
 */
export async function pauseReplicas(
  c: Cluster,
  mode: ReplicationMode,
  s: PhaseSettings,
  ratePerSec: number,
  beforeMs: number,
  pauseMs: number,
  afterMs: number,
  label: string,
): Promise<PauseResult> {
  const names = c.engine.replicas.map((r) => r.name);
  return await withWatchedWrites(
    c,
    mode,
    s,
    async ({ run, acks, watchers, sampler, catchUp }) => {
      const times: FaultTimes = {
        pauseAt: performance.now() + beforeMs,
        pausedAt: Infinity,
        resumedAt: Infinity,
      };
      let paused = false;
      try {
        const fault = (async () => {
          await until(times.pauseAt);
          for (const n of names) await c.engine.pause(n);
          paused = true;
          times.pausedAt = performance.now();
          await until(times.pauseAt + pauseMs);
          for (const n of names) await c.engine.resume(n);
          paused = false;
          times.resumedAt = performance.now();
        })();
        const load = await run(ratePerSec, beforeMs + pauseMs + afterMs, 0, label);
        await fault;
        await catchUp();
        return { load, pauseMs, ...afterFault(acks, watchers, sampler, times, s.catchUpMs) };
      } finally {
        // Never leave a replica stopped, whatever failed (and before the watchers stop: a poll
        // in flight on a stopped replica would wait for it).
        if (paused) { for (const n of names) await c.engine.resume(n).catch(() => {}); }
      }
    },
  );
}

/** What the acknowledgements, the watchers and the sampler say about the fault. */
function afterFault(
  acks: Map<number, Ack>,
  watchers: readonly VisibilityWatcher[],
  sampler: EngineSampler,
  { pauseAt, pausedAt, resumedAt }: FaultTimes,
  catchUpLimitMs: number,
): Omit<PauseResult, "load" | "pauseMs"> {
  const all = [...acks.entries()];
  const beforeResume = all.filter(([, a]) => a.ack < resumedAt);
  const catchUpMs: Record<string, number> = {};
  const maxLagMs: Record<string, number> = {};
  const timeline: TimelinePoint[] = [];
  const bucket = (t: number) => Math.floor((t - pauseAt) / 100) * 100;
  const push = (
    m: Map<number, number>,
    t: number,
    v: number,
    f: (a: number, b: number) => number,
  ) => m.set(bucket(t), m.has(bucket(t)) ? f(m.get(bucket(t))!, v) : v);
  const commitMax = new Map<number, number>();
  const acked = new Map<number, number>();
  for (const [, a] of all) {
    push(commitMax, a.intended, a.ack - a.intended, Math.max);
    push(acked, a.ack, 1, (x, y) => x + y);
  }
  for (const [t, v] of commitMax) {
    timeline.push({ tMs: t, metric: "commit_latency_max", node: "primary", value: v });
  }
  for (const [t, v] of acked) {
    timeline.push({ tMs: t, metric: "writes_acked", node: "primary", value: v });
  }
  for (const w of watchers) {
    let last = resumedAt;
    let maxLag = 0;
    const lagMax = new Map<number, number>();
    for (const [seq, a] of all) {
      const v = w.visibleAt.get(seq);
      if (v === undefined) continue;
      const lag = Math.max(0, v - a.ack);
      maxLag = Math.max(maxLag, lag);
      push(lagMax, a.ack, lag, Math.max);
    }
    for (const [seq] of beforeResume) {
      const v = w.visibleAt.get(seq);
      last = Math.max(last, v ?? Infinity);
    }
    catchUpMs[w.node] = Number.isFinite(last) ? last - resumedAt : catchUpLimitMs;
    maxLagMs[w.node] = maxLag;
    for (const [t, v] of lagMax) {
      timeline.push({ tMs: t, metric: "client_lag_max", node: w.node, value: v });
    }
  }
  const backlog = new Map<string, number>();
  for (const x of sampler.samples) {
    if (!x.metric.startsWith("backlog")) continue;
    const k = `${x.node}\u0000${bucket(x.tMs)}`;
    backlog.set(k, Math.max(backlog.get(k) ?? 0, x.value));
  }
  for (const [k, v] of backlog) {
    const [node, t] = k.split("\u0000");
    timeline.push({ tMs: Number(t), metric: "engine_backlog", node, value: v });
  }
  const invokedBefore = all.filter(([, a]) => a.invoke < resumedAt).map(([, a]) => a.ack);
  return {
    maxCommitMs: Math.max(0, ...all.map(([, a]) => a.ack - a.intended)),
    ackedDuringPause: all.filter(([, a]) => a.invoke >= pausedAt && a.ack < resumedAt).length,
    unreplicated: all.filter(([, a]) => a.outcome === "unreplicated").length,
    commitRecoveryMs: Math.max(0, Math.max(resumedAt, ...invokedBefore) - resumedAt),
    catchUpMs,
    maxLagMs,
    timeline: timeline.sort((a, b) => a.tMs - b.tMs),
  };
}

/** The fault's metrics into its row set, and its timeline into the timeline table's. */
export function pauseRows(run: RunResults, f: PauseResult, timeline: RunResults): void {
  run.add("pause", f.pauseMs, "ms");
  run.add("max_commit_latency", f.maxCommitMs, "ms");
  run.add("acked_during_pause", f.ackedDuringPause, "count");
  run.add("unreplicated_acks", f.unreplicated, "count");
  run.add("commit_recovery", f.commitRecoveryMs, "ms");
  run.add("errors", f.load.errors, "count");
  run.add("throughput", f.load.throughput, "ops/s");
  for (const [node, v] of Object.entries(f.catchUpMs)) run.add("catch_up", v, "ms", { node });
  for (const [node, v] of Object.entries(f.maxLagMs)) run.add("max_lag", v, "ms", { node });
  const unit = (metric: string) =>
    metric === "writes_acked" ? "count" : metric === "engine_backlog" ? "stream" : "ms";
  for (const p of f.timeline) {
    timeline.add(p.metric, p.value, unit(p.metric), { t_ms: p.tMs, node: p.node });
  }
}

/** The fault's headline: the longest commit, acknowledgements while paused, catch-up. */
export function pauseLine(label: string, f: PauseResult): string {
  const catchUp = Object.entries(f.catchUpMs).map(([n, v]) => `${n} ${v.toFixed(0)} ms`);
  return `${label} ${f.pauseMs / 1000} s: max commit ${
    f.maxCommitMs.toFixed(0)
  } ms, ${f.ackedDuringPause} writes acknowledged while paused, catch-up ${catchUp.join(", ")}`;
}

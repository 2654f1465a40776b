/**
 * The four measurements of one replication mode, each a plain function of a started
 * cluster that returns numbers (the experiment module turns them into rows):
 *
 * - {@link measureLag}: open-loop writes at a rate; the client's lag distribution per replica
 *   next to the engine's own view, and the commit latency the mode costs;
 * - {@link measureCapacity}: closed-loop writes, the throughput ceiling of the mode;
 * - {@link probeReads}: write, wait a delay, read back from both replicas in random order;
 *   the recorded history is judged by lib/checks/history.ts;
 * - {@link pauseReplicas}: SIGSTOP every replica for a while under load, then SIGCONT, and
 *   follow commits and lag on a timeline.
 *
 * Every wait is bounded: writers carry statement/client timeouts, runs drain with a timeout,
 * catch-up waits give up after a limit and report what was never seen.
 */

import { setImmediate } from "node:timers";
import type { Engine } from "../../engines/types.ts";
import { checkHistory, type HistoryOp, type HistoryVerdict } from "../../checks/history.ts";
import { type LoadResult, runClosedLoop, runOpenLoop } from "../../load/run.ts";
import type { ReplicationMode, ReplicationStore, ReplReader, ReplWriter } from "./store.ts";
import { EngineSampler, mean, quantile, VisibilityWatcher, waitFor } from "./watch.ts";

/** A started cluster with its store and a write-number counter shared by all phases. */
export interface Cluster {
  engine: Engine;
  store: ReplicationStore;
  /** Last write number handed out; phases continue from it so numbers never repeat. */
  seq: number;
  /** Last key namespace handed out (each phase writes fresh keys). */
  keySpace: number;
}

/** Settings every phase shares. */
export interface PhaseSettings {
  /** Concurrent writer connections (open-loop in-flight bound). */
  slots: number;
  /** Server statement / client timeout of a write (ms): bounds a stalled commit. */
  timeoutMs: number;
  /** Interval of the engine-view sampler (ms). */
  sampleMs: number;
  /** After the load, wait at most this long for replicas to show every write (ms). */
  catchUpMs: number;
  seed: number;
  progress: "auto" | "silent";
}

/** What a write looked like from the client. */
interface Ack {
  intended: number;
  invoke: number;
  ack: number;
  outcome: "ok" | "unreplicated";
  measured: boolean;
}

async function openWriters(c: Cluster, mode: ReplicationMode, s: PhaseSettings) {
  return await Promise.all(
    Array.from({ length: s.slots }, () => c.store.writer(mode.level, s.timeoutMs)),
  );
}

async function closeAll(xs: { close(): Promise<void> }[]) {
  await Promise.all(xs.map((x) => x.close()));
}

function keyBase(c: Cluster): number {
  return ++c.keySpace * 1_000_000;
}

/** A write op for the load runners that records its acknowledgement. */
function writeOp(c: Cluster, writers: ReplWriter[], acks: Map<number, Ack>, keys: number) {
  const base = keyBase(c);
  return async (slot: number, rng: { int(a: number, b: number): number }, ctx: {
    intendedStartMs: number;
    measured: boolean;
    name: string | undefined;
  }) => {
    ctx.name = "write";
    const seq = ++c.seq;
    const invoke = performance.now();
    const outcome = await writers[slot].write(seq, base + rng.int(0, keys - 1));
    acks.set(seq, {
      intended: ctx.intendedStartMs,
      invoke,
      ack: performance.now(),
      outcome,
      measured: ctx.measured,
    });
  };
}

/**
 * Waits until every replica has applied everything written so far: writes one sentinel and
 * polls each replica until it shows it (replicas apply in commit order). Returns the wait in
 * ms — after a burst, the time the replicas needed to work off their backlog — so that no
 * phase starts against a replica still behind from the previous one. Bounded by `timeoutMs`.
 */
export async function settle(
  c: Cluster,
  mode: ReplicationMode,
  timeoutMs: number,
): Promise<number> {
  const t0 = performance.now();
  const writer = await c.store.writer(mode.level, timeoutMs);
  const readers = await Promise.all(c.engine.replicas.map((r) => c.store.reader(r)));
  try {
    const seq = ++c.seq;
    await writer.write(seq, 0);
    const deadline = t0 + timeoutMs;
    for (const r of readers) {
      while (!(await r.visibleAbove(seq - 1)).includes(seq)) {
        if (performance.now() > deadline) {
          throw new Error(`replication: replicas did not catch up within ${timeoutMs} ms`);
        }
        await new Promise((res) => setTimeout(res, 5));
      }
    }
    return performance.now() - t0;
  } finally {
    await writer.close();
    await closeAll(readers);
  }
}

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

async function startWatchers(c: Cluster): Promise<VisibilityWatcher[]> {
  const readers = await Promise.all(c.engine.replicas.map((r) => c.store.reader(r)));
  return readers.map((rd, i) =>
    new VisibilityWatcher(c.engine.replicas[i].name, rd, c.seq).start()
  );
}

async function stopWatchers(ws: VisibilityWatcher[], readers: () => ReplReader[]) {
  await Promise.all(ws.map((w) => w.stop()));
  await closeAll(readers());
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
  const writers = await openWriters(c, mode, s);
  const acks = new Map<number, Ack>();
  const readers: ReplReader[] = [];
  const watchers = await startWatchers(c);
  watchers.forEach((w) => readers.push(w.reader));
  const sampler = new EngineSampler(c.store, s.sampleMs).start();
  try {
    const pos0 = await c.store.position();
    const t0 = performance.now();
    const load = await runOpenLoop({
      ratePerSec,
      durationMs,
      warmupMs,
      maxInFlight: s.slots,
      drainTimeoutMs: s.timeoutMs + 5000,
      seed: s.seed,
      progress: s.progress,
      label,
      op: writeOp(c, writers, acks, 1000),
    });
    const measureStart = t0 + warmupMs;
    const measureEnd = performance.now();
    const pos1 = await c.store.position();
    const seqs = [...acks.keys()];
    await waitFor(() => watchers.every((w) => w.hasAll(seqs)), s.catchUpMs);
    await stopWatchers(watchers, () => readers);
    await sampler.stop();
    const written = acks.size;
    const perWrite = written > 0 ? (pos1.value - pos0.value) / written : 0;
    const windowMs = measureEnd - measureStart;
    const measured = [...acks.values()].filter((a) => a.measured).length;
    const writesPerMs = windowMs > 0 ? measured / windowMs : 0;
    return {
      load,
      unreplicated: [...acks.values()].filter((a) => a.measured && a.outcome === "unreplicated")
        .length,
      client: watchers.map((w) => clientLag(w, acks, windowMs / 1000)),
      engine: c.engine.replicas.map((r) =>
        engineLag(sampler, r.name, measureStart, measureEnd, perWrite, writesPerMs)
      ),
      streamPerWrite: perWrite,
      streamUnit: pos0.unit,
    };
  } finally {
    await Promise.all(watchers.map((w) => w.stop()));
    await sampler.stop();
    await closeAll(writers);
  }
}

/** Closed-loop writes with `clients` connections: the throughput ceiling of the mode. */
export async function measureCapacity(
  c: Cluster,
  mode: ReplicationMode,
  s: PhaseSettings,
  clients: number,
  durationMs: number,
  label: string,
): Promise<LoadResult> {
  const writers = await openWriters(c, mode, { ...s, slots: clients });
  try {
    return await runClosedLoop({
      concurrency: clients,
      durationMs,
      warmupMs: Math.min(500, durationMs / 4),
      seed: s.seed,
      progress: s.progress,
      label,
      op: writeOp(c, writers, new Map(), 1000),
    });
  } finally {
    await closeAll(writers);
  }
}

/** Result of {@link probeReads}. */
export interface ProbeResult {
  verdict: HistoryVerdict;
  history: HistoryOp[];
  /** Per configured delay: the mean delay actually waited (ms). */
  actualDelayMs: Record<string, number>;
  load: LoadResult;
}

/** Waits until `performance.now() >= target` (timer for the bulk, event-loop turns after). */
async function until(target: number): Promise<void> {
  for (;;) {
    const rem = target - performance.now();
    if (rem <= 0) return;
    if (rem > 4) await new Promise((r) => setTimeout(r, rem - 3));
    else await new Promise((r) => setImmediate(r));
  }
}

/**
 * Read-your-writes probes: each operation writes a fresh version of one of `keys` keys,
 * waits `delays[i % n]` ms after the acknowledgement, then reads the key from every replica
 * in random order. Sessions are the open loop's slots (one operation at a time each), so
 * the history shows read-your-writes and monotonic reads per session.
 */
export async function probeReads(
  c: Cluster,
  mode: ReplicationMode,
  s: PhaseSettings,
  ratePerSec: number,
  durationMs: number,
  delaysMs: readonly number[],
  keys: number,
  label: string,
): Promise<ProbeResult> {
  const writers = await openWriters(c, mode, s);
  const readers: ReplReader[][] = [];
  const history: HistoryOp[] = [];
  const waited: Record<string, number[]> = {};
  try {
    for (let i = 0; i < s.slots; i++) {
      readers.push(await Promise.all(c.engine.replicas.map((r) => c.store.reader(r))));
    }
    const base = keyBase(c);
    let n = 0;
    const load = await runOpenLoop({
      ratePerSec,
      durationMs,
      maxInFlight: s.slots,
      drainTimeoutMs: s.timeoutMs + 5000,
      seed: s.seed,
      progress: s.progress,
      label,
      op: async (slot, rng, ctx) => {
        ctx.name = "probe";
        const delay = delaysMs[n++ % delaysMs.length];
        const group = String(delay);
        const key = base + rng.int(0, keys - 1);
        const seq = ++c.seq;
        const invoke = performance.now();
        let ok = false;
        try {
          await writers[slot].write(seq, key);
          ok = true;
        } finally {
          history.push({
            session: slot,
            type: "write",
            key,
            value: seq,
            invokeMs: invoke,
            completeMs: performance.now(),
            ok,
          });
        }
        const ack = performance.now();
        if (delay > 0) await until(ack + delay);
        const order = c.engine.replicas.map((_, i) => i);
        if (order.length > 1 && rng.next() < 0.5) order.reverse();
        let first = true;
        for (const i of order) {
          const t = performance.now();
          if (first) (waited[group] ??= []).push(t - ack);
          first = false;
          const value = await readers[slot][i].read(key);
          history.push({
            session: slot,
            type: "read",
            key,
            value,
            invokeMs: t,
            completeMs: performance.now(),
            node: c.engine.replicas[i].name,
            group,
          });
        }
      },
    });
    const actualDelayMs: Record<string, number> = {};
    for (const [g, xs] of Object.entries(waited)) actualDelayMs[g] = mean(xs);
    return { verdict: checkHistory(history), history, actualDelayMs, load };
  } finally {
    await closeAll(writers);
    await closeAll(readers.flat());
  }
}

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
  const writers = await openWriters(c, mode, s);
  const acks = new Map<number, Ack>();
  const readers: ReplReader[] = [];
  const watchers = await startWatchers(c);
  watchers.forEach((w) => readers.push(w.reader));
  const sampler = new EngineSampler(c.store, s.sampleMs).start();
  const names = c.engine.replicas.map((r) => r.name);
  let paused = false;
  try {
    const t0 = performance.now();
    const pauseAt = t0 + beforeMs;
    let resumedAt = Infinity;
    let pausedAt = Infinity;
    const fault = (async () => {
      await until(pauseAt);
      for (const n of names) await c.engine.pause(n);
      paused = true;
      pausedAt = performance.now();
      await until(pauseAt + pauseMs);
      for (const n of names) await c.engine.resume(n);
      paused = false;
      resumedAt = performance.now();
    })();
    const load = await runOpenLoop({
      ratePerSec,
      durationMs: beforeMs + pauseMs + afterMs,
      maxInFlight: s.slots,
      drainTimeoutMs: s.timeoutMs + 5000,
      seed: s.seed,
      progress: s.progress,
      label,
      op: writeOp(c, writers, acks, 1000),
    });
    await fault;
    const seqs = [...acks.keys()];
    await waitFor(() => watchers.every((w) => w.hasAll(seqs)), s.catchUpMs);
    await stopWatchers(watchers, () => readers);
    await sampler.stop();

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
      catchUpMs[w.node] = Number.isFinite(last) ? last - resumedAt : s.catchUpMs;
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
      load,
      pauseMs,
      maxCommitMs: Math.max(0, ...all.map(([, a]) => a.ack - a.intended)),
      ackedDuringPause: all.filter(([, a]) => a.invoke >= pausedAt && a.ack < resumedAt).length,
      unreplicated: all.filter(([, a]) => a.outcome === "unreplicated").length,
      commitRecoveryMs: Math.max(0, Math.max(resumedAt, ...invokedBefore) - resumedAt),
      catchUpMs,
      maxLagMs,
      timeline: timeline.sort((a, b) => a.tMs - b.tMs),
    };
  } finally {
    // Never leave a replica stopped, whatever failed.
    if (paused) { for (const n of names) await c.engine.resume(n).catch(() => {}); }
    await Promise.all(watchers.map((w) => w.stop()));
    await sampler.stop();
    await closeAll(writers);
  }
}

export { quantile };

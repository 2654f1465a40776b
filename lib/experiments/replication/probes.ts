/**
 * The probe phase of a replication mode: write, wait a delay, read back from every replica
 * in random order; the recorded history is judged by lib/checks/history.ts (read-your-writes,
 * monotonic reads, stale and phantom reads) and becomes data/replication.csv's phase `probe`.
 *
 * @module
 */

import { checkHistory, type HistoryOp, type HistoryVerdict } from "../../checks/history.ts";
import type { LoadResult } from "../../load/run.ts";
import type { RunResults } from "../../results/mod.ts";
import type { ReplicationMode, ReplReader } from "./binding.ts";
import {
  closeAll,
  type Cluster,
  keyBase,
  openWriters,
  phaseOpenLoop,
  type PhaseSettings,
} from "./cluster.ts";
import { mean, until } from "./watch.ts";

/** Result of {@link probeReads}. */
export interface ProbeResult {
  verdict: HistoryVerdict;
  history: HistoryOp[];
  /** Per configured delay: the mean delay actually waited (ms). */
  actualDelayMs: Record<string, number>;
  load: LoadResult;
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
    const load = await phaseOpenLoop(s, {
      ratePerSec,
      durationMs,
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

/** The verdict's metrics: totals, then per delay the anomaly rates per read. */
export function probeRows(run: RunResults, probe: ProbeResult): void {
  run.add("history_valid", probe.verdict.valid ? 1 : 0, "flag");
  run.add("reads", probe.verdict.reads, "count");
  run.add("writes", probe.verdict.writes, "count");
  run.add("phantom_reads", probe.verdict.anomalies.phantom_read, "count");
  run.add("probe_errors", probe.load.errors, "count");
  for (const [delay, g] of Object.entries(probe.verdict.byGroup)) {
    const d = { delay_ms: Number(delay) };
    const rate = (n: number) => (g.reads > 0 ? n / g.reads : 0);
    run.add("reads", g.reads, "count", d);
    run.add("stale_read_rate", rate(g.anomalies.stale_read), "ratio", d);
    run.add("ryw_violation_rate", rate(g.anomalies.read_your_writes), "ratio", d);
    run.add("monotonic_violation_rate", rate(g.anomalies.monotonic_read), "ratio", d);
    run.add("actual_delay", probe.actualDelayMs[delay] ?? 0, "ms", d);
  }
}

/** A probe run's headline: read-your-writes violations per delay, and the first anomaly. */
export function probeLine(label: string, probe: ProbeResult): string {
  const perDelay = Object.entries(probe.verdict.byGroup).map(([d, g]) =>
    `${d} ms → ${(100 * g.anomalies.read_your_writes / g.reads).toFixed(1)} % RYW`
  );
  return `${label}: ${perDelay.join(", ")}; ${probe.verdict.examples[0] ?? "no anomaly"}`;
}

/**
 * Part 3b, slots moved while clients write (rows `part=reshard` of sharding_rebalance, and the
 * table sharding_reshard_timeline): a cluster holding prefilled keys, writers alternating a
 * write of a new key with a read of a prefilled one, and after a baseline the engine's reshard
 * verb moves slots from one primary to the next (a different pair each repetition). Measured:
 * the move's duration and keys, the redirections the primaries answered (MOVED, ASK), client
 * errors, throughput per time bucket (baseline, during, after), how long it stayed below half
 * the baseline, latency per phase, and afterwards every acknowledged write read back
 * (lib/checks/readback.ts) and every slot served.
 *
 * @module
 */

import { checkReadBack } from "../../checks/readback.ts";
import type { Engine } from "../../engines/mod.ts";
import { sleep } from "../../engines/runtime/net.ts";
import { createHistogram, recordMicros, summarizeHistogram } from "../../load/histogram.ts";
import type { ClusterClient, ReshardAdmin, ShardingBinding } from "./binding.ts";
import { addRow, median, REBALANCE, RESHARD_TIMELINE, type ShardingRun } from "./context.ts";

const PHASES = ["baseline", "reshard", "after"] as const;

/** Steps of the reshard runs of one binding. */
export function reshardSteps(ctx: Pick<ShardingRun, "config">, binding: ShardingBinding): number {
  return binding.reshard ? ctx.config.repetitions : 0;
}

async function prefill(client: ClusterClient, n: number): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  for (let i = 0; i < n; i += 1000) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      const v = `pre-${j}-`.padEnd(100, "x");
      values.set(`pre:${j}`, v);
      batch.push(client.set(`pre:${j}`, v));
    }
    await Promise.all(batch);
  }
  return values;
}

/** Run the reshard repetitions on a started cluster. */
export async function reshardPart(
  ctx: ShardingRun,
  binding: ShardingBinding,
  engine: Engine,
): Promise<void> {
  const { config, progress } = ctx;
  const h = config.reshard;
  const admin = await binding.reshard!.admin(engine);
  const loader = await admin.client();
  try {
    const pre = await prefill(loader, h.prefill);
    const preKeys = [...pre.keys()];
    for (let rep = 0; rep < config.repetitions; rep++) {
      const primaries = await admin.primaries();
      const from = primaries[rep % primaries.length];
      const to = primaries[(rep + 1) % primaries.length];
      progress.step(
        `${binding.name} reshard ${h.slots} slots under ${h.writers} writers rep ${rep + 1}`,
      );
      await oneReshard(ctx, engine, admin, rep, from.id, to.id, pre, preKeys);
    }
  } finally {
    await loader.close();
    await admin.close();
  }
}

async function oneReshard(
  ctx: ShardingRun,
  engine: Engine,
  admin: ReshardAdmin,
  rep: number,
  from: string,
  to: string,
  pre: Map<string, string>,
  preKeys: string[],
) {
  const h = ctx.config.reshard;
  const clients = await Promise.all(Array.from({ length: h.writers }, () => admin.client()));
  await admin.resetCounters();
  const acked = new Map<string, string>();
  const failed = new Map<string, string>();
  const ok: number[] = [];
  const err: number[] = [];
  const hist = Object.fromEntries(PHASES.map((p) => [p, createHistogram()]));
  let wrongReads = 0;
  let phase: typeof PHASES[number] = "baseline";
  let running = true;
  const t0 = performance.now();
  const bucket = (series: number[], at: number) => {
    const b = Math.floor((at - t0) / h.bucketMs);
    while (series.length <= b) series.push(0);
    series[b]++;
  };
  const writer = async (w: number) => {
    for (let i = 0; running; i++) {
      const write = i % 2 === 0;
      const key = write ? `w:${rep}:${w}:${i}` : preKeys[(i * 7919 + w * 104729) % preKeys.length];
      const value = `${rep}:${w}:${i}`;
      const start = performance.now();
      try {
        if (write) {
          await clients[w].set(key, value);
          acked.set(key, value);
        } else if (preKeys.length > 0 && (await clients[w].get(key)) !== pre.get(key)) {
          wrongReads++;
        }
        const end = performance.now();
        recordMicros(hist[phase], (end - start) * 1000);
        bucket(ok, end);
      } catch {
        if (write) failed.set(key, value);
        bucket(err, performance.now());
      }
    }
  };
  const writers = clients.map((_, w) => writer(w));
  await sleep(h.baselineS * 1000);
  phase = "reshard";
  const moveStart = performance.now();
  const moved = await admin.moveSlots(from, to, h.slots);
  const moveEnd = performance.now();
  phase = "after";
  await sleep(h.tailS * 1000);
  running = false;
  await Promise.all(writers);
  const total = performance.now();
  const redirects = await admin.redirects();

  // Read every acknowledged (and every failed) write back through a fresh client.
  const reader = await admin.client();
  const read = new Map<string, string | null>();
  const toRead = [...acked.keys(), ...failed.keys()];
  for (let i = 0; i < toRead.length; i += 500) {
    const batch = toRead.slice(i, i + 500);
    const got = await Promise.all(batch.map((k) => reader.get(k)));
    batch.forEach((k, j) => read.set(k, got[j]));
  }
  await reader.close();
  await Promise.all(clients.map((c) => c.close()));
  const verdict = checkReadBack({ acked, failed, read });
  const covered = await admin.covered();

  // Buckets: throughput per phase; the first bucket (connections warming) is left out.
  const rate = (b: number) => (ok[b] ?? 0) / (h.bucketMs / 1000);
  const startB = Math.floor((moveStart - t0) / h.bucketMs);
  const endB = Math.floor((moveEnd - t0) / h.bucketMs);
  const lastB = Math.floor((total - t0) / h.bucketMs) - 1;
  const range = (a: number, b: number) =>
    Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i);
  const baseline = median(range(1, Math.max(1, startB - 1)).map(rate));
  const during = range(startB, endB).map(rate);
  const afterStart = range(startB, lastB);
  let stall = 0, longest = 0, streak = 0;
  for (const b of afterStart) {
    if (rate(b) < baseline / 2) {
      stall++;
      longest = Math.max(longest, ++streak);
    } else streak = 0;
  }
  const lat = Object.fromEntries(PHASES.map((p) => [p, summarizeHistogram(hist[p])]));
  addRow(ctx, REBALANCE, engine, rep, { part: "reshard", slots: h.slots, clients: h.writers }, [
    ["reshard_ms", moved.ms, "ms"],
    ["slots_moved", moved.slots, "count"],
    ["keys_migrated", moved.keys, "count"],
    ["ops", ok.reduce((a, b) => a + b, 0), "count"],
    ["errors", err.reduce((a, b) => a + b, 0), "count"],
    ["redirects_moved", redirects.moved, "count"],
    ["redirects_ask", redirects.ask, "count"],
    ["tryagain", redirects.tryagain, "count"],
    ["baseline_throughput", baseline, "ops/s"],
    [
      "reshard_throughput",
      during.length ? during.reduce((a, b) => a + b, 0) / during.length : baseline,
      "ops/s",
    ],
    ["min_bucket_throughput", Math.min(...afterStart.map(rate)), "ops/s"],
    ["stall_ms", stall * h.bucketMs, "ms"],
    ["longest_stall_ms", longest * h.bucketMs, "ms"],
    ...PHASES.flatMap((p) =>
      lat[p].count > 0
        ? [[`latency_p50_${p}`, lat[p].p50, "ms"], [`latency_p99_${p}`, lat[p].p99, "ms"], [
          `latency_max_${p}`,
          lat[p].max,
          "ms",
        ]] as [string, number, string][]
        : []
    ),
    ["acked_writes", verdict.acked, "count"],
    ["lost_writes", verdict.lost, "count"],
    ["wrong_values", verdict.wrong, "count"],
    ["wrong_reads", wrongReads, "count"],
    ["failed_writes", failed.size, "count"],
    ["all_slots_served", covered ? 1 : 0, "flag"],
    ["invariant_valid", verdict.valid && wrongReads === 0 && covered ? 1 : 0, "flag"],
  ]);
  for (const b of range(0, lastB)) {
    const at = b * h.bucketMs + h.bucketMs / 2 - (moveStart - t0);
    const p = b < startB ? "baseline" : b <= endB ? "reshard" : "after";
    addRow(ctx, RESHARD_TIMELINE, engine, rep, { t_ms: Math.round(at), phase: p }, [
      ["throughput", rate(b), "ops/s"],
      ["errors", err[b] ?? 0, "count"],
    ]);
  }
  ctx.progress.log(
    `reshard of ${moved.slots} slots (${moved.keys} keys) in ${moved.ms.toFixed(0)} ms: ` +
      `${redirects.moved} MOVED, ${redirects.ask} ASK, ${err.reduce((a, b) => a + b, 0)} errors, ` +
      `${baseline.toFixed(0)} → ${
        Math.min(...during.map((x) => x), baseline).toFixed(0)
      } ops/s at worst; ` +
      `${verdict.acked} writes read back: ${
        verdict.valid ? "none lost" : verdict.examples.join("; ")
      }`,
  );
}

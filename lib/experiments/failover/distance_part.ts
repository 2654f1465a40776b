/**
 * The distance part, engine-blind: a primary and one standby whose replication stream crosses
 * a proxy that adds a round trip (this kernel has no netem), swept over round trips. Two steps
 * per store:
 *
 * - **commit cost** — one path with a synchronous standby serves every round trip: at each,
 *   `clients` sessions insert single rows back to back for `commitMs` at each of the binding's
 *   commit levels; rows give the commit latency (p50, p99) and the throughput;
 * - **lag and RPO** — at each round trip a fresh path with an asynchronous standby: paced
 *   writes from `clients` sessions, the standby's lag sampled for `lagWindowMs`, then the
 *   primary is crashed together with its link (what was in flight is lost, as in a region
 *   outage), the standby promoted, and the acknowledged writes it lacks counted by the same
 *   checker as the kill scenarios (lib/checks/failover.ts lostWrites).
 *
 * Rows go to their own table (`failover_distance`), one per store, step, mode and round trip.
 *
 * @module
 */

import { encodeIds, type FailoverOp, lostWrites } from "../../checks/failover.ts";
import { sleep } from "../../engines/runtime/net.ts";
import type { ResultSet } from "../../results/mod.ts";
import { withBinding } from "../binding.ts";
import type { Progress } from "../experiment.ts";
import { runIdentity, skippedEngine } from "../params.ts";
import type { DistanceBinding, ReplicationPath } from "./binding.ts";
import type { FailoverConfig } from "./config.ts";

/** The part's result table. */
export const FAILOVER_DISTANCE = "failover_distance";

/** What the part needs of the run. */
export interface DistanceCtx {
  config: FailoverConfig;
  /** The part's own result set (its table). */
  distance: ResultSet;
  progress: Progress;
  nextId: () => number;
}

/** Progress steps of the part per binding: the commit step and the RPO step per round trip. */
export function distanceSteps(config: FailoverConfig): number {
  return 2 * config.distance.rttsMs.length;
}

function quantile(sorted: readonly number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Run the part on one binding. */
export async function distancePart(ctx: DistanceCtx, b: DistanceBinding): Promise<void> {
  const dims = (mode: string, rtt: number) => ({
    store: b.name,
    domain: b.domain,
    mode,
    fault: mode === "async" ? "crash_with_link" : "none",
    rtt_ms: rtt,
  });
  let skipped = false;
  const onSkip = (reason: string) => {
    if (skipped) return;
    skipped = true;
    ctx.progress.skip(distanceSteps(ctx.config), reason);
    ctx.distance.run(
      runIdentity("failover", ctx.config, skippedEngine(b.name), "", 0, dims("sync", 0)),
    ).add("skipped", 1, "flag", { reason }).end(0);
  };
  await withBinding(b, {}, onSkip, async (proxy) => {
    const path = await b.open(proxy, "sync");
    try {
      await path.setup();
      for (const rtt of ctx.config.distance.rttsMs) {
        ctx.progress.step(`${b.name}/sync/rtt${rtt}`);
        await path.setRoundTrip(rtt);
        const probed = await path.probeRoundTrip(5);
        for (const level of b.syncLevels) await commitStep(ctx, b, path, level, rtt, probed, dims);
      }
    } finally {
      await path.close();
    }
  });
  if (skipped) return;
  for (const rtt of ctx.config.distance.rttsMs) {
    await withBinding(b, {}, onSkip, async (proxy) => {
      ctx.progress.step(`${b.name}/async/rtt${rtt}`);
      const path = await b.open(proxy, "async");
      try {
        await path.setup();
        await path.setRoundTrip(rtt);
        const probed = await path.probeRoundTrip(5);
        await rpoStep(ctx, b, path, rtt, probed, dims);
      } finally {
        await path.close();
      }
    });
  }
}

type Dims = (mode: string, rtt: number) => Record<string, string | number>;

function identity(path: ReplicationPath) {
  return {
    engine: path.engine.engine,
    version: path.engine.version,
    provider: path.engine.provider,
  };
}

async function commitStep(
  ctx: DistanceCtx,
  b: DistanceBinding,
  path: ReplicationPath,
  level: string,
  rtt: number,
  probed: number,
  dims: Dims,
) {
  const c = ctx.config.distance;
  const writers = await Promise.all(Array.from({ length: c.clients }, () => path.writer(level)));
  const lat: number[] = [];
  const t0 = performance.now();
  const deadline = t0 + c.commitMs;
  await Promise.all(writers.map(async (w) => {
    while (performance.now() < deadline) {
      const t = performance.now();
      await w.insert(ctx.nextId());
      lat.push(performance.now() - t);
    }
  }));
  const elapsedS = (performance.now() - t0) / 1000;
  for (const w of writers) await w.close();
  lat.sort((x, y) => x - y);
  const mode = `sync_${level}`;
  const run = ctx.distance.run(
    runIdentity("failover", ctx.config, identity(path), path.settings, 0, dims(mode, rtt)),
  );
  run.add("measured_rtt_ms", r3(probed), "ms");
  run.add("commit_p50_ms", r3(quantile(lat, 0.5)), "ms");
  run.add("commit_p99_ms", r3(quantile(lat, 0.99)), "ms");
  run.add("commits_per_s", Math.round(lat.length / elapsedS), "1/s");
  run.add("commits", lat.length, "count").end(elapsedS);
  ctx.progress.log(
    `${b.name}/${mode}/rtt${rtt}: commit p50 ${quantile(lat, 0.5).toFixed(1)} ms, p99 ${
      quantile(lat, 0.99).toFixed(1)
    } ms, ${Math.round(lat.length / elapsedS)}/s (probe ${probed.toFixed(1)} ms)`,
  );
}

async function rpoStep(
  ctx: DistanceCtx,
  b: DistanceBinding,
  path: ReplicationPath,
  rtt: number,
  probed: number,
  dims: Dims,
) {
  const c = ctx.config.distance;
  const ops: FailoverOp[] = [];
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  let stop = false;
  const writers = await Promise.all(Array.from({ length: c.clients }, () => path.writer()));
  const load = Promise.all(writers.map(async (w, i) => {
    while (!stop) {
      const id = ctx.nextId();
      const op: FailoverOp = {
        session: `w${i}`,
        node: "primary",
        f: "write",
        key: id,
        value: id,
        invokeMs: now(),
        completeMs: 0,
        outcome: "ok",
      };
      try {
        await w.insert(id);
      } catch {
        // After the crash: the commit may or may not have reached the standby.
        op.outcome = "info";
        stop = true;
      }
      op.completeMs = now();
      ops.push(op);
      if (!stop) await sleep(c.paceMs);
    }
  }));
  await sleep(c.warmMs);
  const lag: number[] = [];
  const windowStart = now();
  const ackedBefore = ops.filter((o) => o.outcome === "ok").length;
  while (now() - windowStart < c.lagWindowMs) {
    lag.push(await path.lagMs());
    await sleep(c.lagIntervalMs);
  }
  const ratePerS = (ops.filter((o) => o.outcome === "ok").length - ackedBefore) /
    ((now() - windowStart) / 1000);
  const crashAt = now();
  ops.push({
    session: "nemesis",
    node: "primary",
    f: "fault",
    key: 0,
    value: "crash primary and link",
    invokeMs: crashAt,
    completeMs: crashAt,
    outcome: "ok",
  });
  await path.crashPrimary();
  stop = true;
  await load;
  for (const w of writers) await w.close();
  await path.promoteStandby();
  const ids = await path.standbyIds();
  ops.push({
    session: "checker",
    node: "standby",
    f: "final_read",
    key: 0,
    value: encodeIds(ids),
    invokeMs: now(),
    completeMs: now(),
    outcome: "ok",
  });
  const lw = lostWrites(ops);
  lag.sort((x, y) => x - y);
  const run = ctx.distance.run(
    runIdentity(
      "failover",
      ctx.config,
      identity(path),
      path.settings,
      0,
      dims("async", rtt),
    ),
  );
  run.add("measured_rtt_ms", r3(probed), "ms");
  run.add("lag_p50_ms", r3(quantile(lag, 0.5)), "ms");
  run.add("lag_p90_ms", r3(quantile(lag, 0.9)), "ms");
  run.add("lag_p99_ms", r3(quantile(lag, 0.99)), "ms");
  run.add("lag_max_ms", r3(quantile(lag, 1)), "ms");
  run.add("lag_samples", lag.length, "count");
  run.add("write_rate_per_s", Math.round(ratePerS), "1/s");
  run.add("acked_writes", lw.acked, "count");
  run.add("lost_acked_writes", lw.lost, "count");
  run.add("unknown_writes", lw.unknown, "count");
  // Lost writes as time at the measured rate: the window of acknowledged work the crash took.
  run.add("rpo_ms", ratePerS > 0 ? r3((lw.lost / ratePerS) * 1000) : 0, "ms").end(now() / 1000);
  ctx.progress.log(
    `${b.name}/async/rtt${rtt}: lag p50 ${quantile(lag, 0.5).toFixed(1)} ms, p99 ${
      quantile(lag, 0.99).toFixed(1)
    } ms; crash lost ${lw.lost}/${lw.acked} acked (${Math.round(ratePerS)}/s)`,
  );
}

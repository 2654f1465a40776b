/**
 * The multi-primary part, engine-blind: commit cost of synchronous replication on one node
 * (replicated against the same server committing without replication), then read-modify-write
 * increments of a few hot counters from sessions on every node at once, in two variants — a
 * plain snapshot read and a locking read (`FOR UPDATE`) before the write. Every increment goes
 * into the history with the value it read; the final counter values close it; the P4 checker
 * (lib/checks/failover.ts lostUpdates) judges it.
 *
 * @module
 */

import { createRng } from "../../workload/rng.ts";
import type { FailoverOp } from "../../checks/failover.ts";
import type { HistoryRow, ResultSet } from "../../results/mod.ts";
import { withBinding } from "../binding.ts";
import type { Progress } from "../experiment.ts";
import { runIdentity, skippedEngine } from "../params.ts";
import type { FailoverConfig } from "./config.ts";
import type { MultiPrimaryBinding } from "./galera.ts";
import { fromHistoryRows, toHistoryRow, verdicts } from "./summary.ts";

/** The part's context (shared with the run). */
export interface MultiPrimaryCtx {
  config: FailoverConfig;
  set: ResultSet;
  history: HistoryRow[];
  progress: Progress;
}

const VARIANTS = [["plain_read", false], ["for_update", true]] as const;

/** Progress steps of the part per binding. */
export function multiPrimarySteps(): number {
  return 1 + VARIANTS.length;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** Run the part on one binding. */
export async function multiPrimaryPart(
  ctx: MultiPrimaryCtx,
  b: MultiPrimaryBinding,
): Promise<void> {
  const c = ctx.config.multiPrimary;
  const dims = (mode: string, extra: Record<string, string> = {}) => ({
    store: b.name,
    domain: b.domain,
    mode,
    fault: "none",
    ...extra,
  });
  await withBinding(b, {}, (reason) => {
    ctx.progress.skip(multiPrimarySteps(), reason);
    ctx.set.run(runIdentity("failover", ctx.config, skippedEngine(b.name), "", 0, dims("rmw")))
      .add("skipped", 1, "flag", { reason }).end(0);
  }, async (engine) => {
    const ident = { engine: b.name, version: engine.version, provider: engine.provider };
    const store = await b.open(engine);
    await store.setup(c.counters);
    ctx.progress.step(`${b.name}/commit`);
    const s = await store.session(store.nodes[0]);
    let id = 0;
    try {
      for (const replicated of [true, false]) {
        const lat: number[] = [];
        for (let i = 0; i < c.commits; i++) {
          const t = performance.now();
          await s.insert(++id, replicated);
          lat.push(performance.now() - t);
        }
        lat.sort((a, b) => a - b);
        const run = ctx.set.run(
          runIdentity(
            "failover",
            ctx.config,
            ident,
            engine.settings,
            0,
            dims(replicated ? "replicated_commit" : "local_commit"),
          ),
        );
        run.add("commit_p50_ms", Math.round(percentile(lat, 0.5) * 1000) / 1000, "ms");
        run.add("commit_p99_ms", Math.round(percentile(lat, 0.99) * 1000) / 1000, "ms");
        run.add("commits", lat.length, "count").end();
      }
    } finally {
      await s.close();
    }
    for (const [variant, locking] of VARIANTS) {
      const hid = `${b.name}/${variant}/rmw/0`;
      ctx.progress.step(hid);
      const rng = createRng(ctx.config.seed);
      const sessions = await Promise.all(
        store.nodes.flatMap((n) => Array.from({ length: c.sessionsPerNode }, (_, i) => ({ n, i })))
          .map(async ({ n, i }) => ({ name: `${n}-${i}`, node: n, s: await store.session(n) })),
      );
      const before = await store.conflicts();
      const ops: FailoverOp[] = [];
      const t0 = performance.now();
      const deadline = t0 + c.durationMs;
      await Promise.all(sessions.map(async (x) => {
        while (performance.now() < deadline) {
          const key = 1 + Math.floor(rng.next() * c.counters);
          const invokeMs = performance.now() - t0;
          const r = await x.s.increment(key, locking);
          ops.push({
            session: x.name,
            node: x.node,
            f: "incr",
            key,
            value: r.read,
            invokeMs,
            completeMs: performance.now() - t0,
            outcome: r.outcome,
          });
        }
      }));
      for (const x of sessions) await x.s.close();
      const conflicts = (await store.conflicts()) - before;
      const finals = await store.readCounters();
      const at = performance.now() - t0;
      for (const [key, v] of finals) {
        ops.push({
          session: "checker",
          node: store.nodes[0],
          f: "final_read",
          key,
          value: v,
          invokeMs: at,
          completeMs: at,
          outcome: "ok",
        });
      }
      const rows = ops.map((o) => toHistoryRow(hid, o));
      ctx.history.push(...rows);
      const run = ctx.set.run(
        runIdentity(
          "failover",
          ctx.config,
          ident,
          engine.settings,
          0,
          dims(variant, { history: hid }),
        ),
      );
      const vs = verdicts(fromHistoryRows(rows).get(hid)!);
      for (const v of vs) run.add(v.metric, v.value, v.unit);
      run.add("cert_conflicts", conflicts, "count").end();
      const get = (m: string) => vs.find((v) => v.metric === m)?.value;
      ctx.progress.log(
        `${hid}: ${get("committed_increments")} committed, ${
          get("rolled_back_increments")
        } rolled back, ` +
          `lost updates ${get("lost_updates")} (duplicate reads ${
            get("duplicate_reads")
          }), conflicts ${conflicts}`,
      );
    }
  });
}

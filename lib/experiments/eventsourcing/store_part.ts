/**
 * Part 1: the event store against CRUD on the same business operations — the order lifecycle
 * per operation (throughput, p50/p99), bytes per order after the lifecycle, and hot streams:
 * every client taking units of a few products, as appends at an expected version (conflicts
 * retried) or as one guarded UPDATE (row locks wait).
 *
 * @module
 */

import { loadTicks } from "../experiment.ts";
import { runClosedLoop } from "../../load/run.ts";
import { STORE_MODES } from "./binding.ts";
import { addRow, type EsRun, loadRun, STORE } from "./context.ts";
import { lifecycleOp, OrderIds } from "./lifecycle.ts";

/** Progress steps of part 1. */
export function storeSteps(ctx: Pick<EsRun, "config">) {
  const c = ctx.config;
  return c.repetitions * STORE_MODES.length * (1 + c.store.hotStreams.length);
}

/** Run part 1. */
export async function storePart(ctx: EsRun) {
  const { config: c, progress } = ctx;
  const { engine, admin } = ctx.engines.store!;
  for (let rep = 0; rep < c.repetitions; rep++) {
    for (const mode of STORE_MODES) {
      progress.step(`order lifecycle as ${mode}, ${c.store.concurrency} clients, rep ${rep + 1}`);
      await admin.reset();
      const sessions = await Promise.all(
        Array.from({ length: c.store.concurrency }, () => admin.session(mode)),
      );
      try {
        const result = await runClosedLoop({
          concurrency: c.store.concurrency,
          durationMs: c.store.durationS * 1000,
          warmupMs: 200,
          seed: c.seed + rep,
          label: `lifecycle ${mode}`,
          progress: loadTicks(progress),
          op: lifecycleOp({
            sessions,
            ids: new OrderIds(),
            products: c.products,
            readShare: c.store.readShare,
            cancelShare: c.store.cancelShare,
          }),
        });
        loadRun(ctx, STORE, engine, rep, { part: "lifecycle", mode }).addLoad(result).end();
      } finally {
        for (const s of sessions) await s.close();
      }
      const f = await admin.footprint(mode);
      addRow(ctx, STORE, engine, rep, { part: "footprint", mode }, [
        ["bytes_per_order", f.orders ? f.bytes / f.orders : 0, "bytes"],
        ["rows_per_order", f.orders ? f.rows / f.orders : 0, "rows"],
        ["orders", f.orders, "count"],
      ]);
    }
    for (const hot of c.store.hotStreams) {
      for (const mode of STORE_MODES) {
        progress.step(`hot streams: ${hot} products as ${mode}, rep ${rep + 1}`);
        await admin.reset();
        const sessions = await Promise.all(
          Array.from({ length: c.store.concurrency }, () => admin.session(mode)),
        );
        let conflicts = 0;
        try {
          const result = await runClosedLoop({
            concurrency: c.store.concurrency,
            durationMs: c.store.hotDurationS * 1000,
            warmupMs: 100,
            seed: c.seed + rep,
            label: `hot ${hot} ${mode}`,
            opName: "take",
            op: async (worker, rng, ctx2) => {
              const r = await sessions[worker].takeUnit(rng.int(1, hot));
              if (ctx2.measured) conflicts += r.conflicts;
              for (let i = 0; i < r.conflicts; i++) ctx2.retry("serialization_failure");
            },
          });
          loadRun(ctx, STORE, engine, rep, { part: "hot", mode, hot_streams: hot })
            .addLoad(result)
            .add("conflicts_per_op", result.ops ? conflicts / result.ops : 0, "ratio")
            .end();
        } finally {
          for (const s of sessions) await s.close();
        }
      }
    }
  }
}

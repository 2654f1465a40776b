/**
 * Part 2: the read side per feed. While clients run the event-sourced lifecycle, a projector
 * per read model follows the feed; every event's commit (the append returning) and visibility
 * (its projector's batch committed) are timed: the lag distribution. Placements probed at
 * once read the order's view: a miss is a read-your-own-write failure, and the two fixes are
 * timed — wait for the version the append returned (a version token), or read the write side.
 * Then the feed's ceiling: fresh projectors catch up from the start over the whole backlog
 * (and for the bus the relay republishes it into an empty stream).
 *
 * @module
 */

import { runClosedLoop } from "../../load/run.ts";
import { sleep } from "../../engines/runtime/net.ts";
import type { ProjectionName } from "./domain.ts";
import {
  addRow,
  distribution,
  type EsRun,
  FEEDS,
  loadRun,
  quantile,
  RYOW_HISTORY,
} from "./context.ts";

/** Quantiles of the lag recorded for the CDF chart. */
export const LAG_QUANTILES = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1] as const;
import { lifecycleOp, OrderIds } from "./lifecycle.ts";
import type { Projector, Relay } from "./projector.ts";
import {
  allReach,
  type Feed,
  FEEDS_MEASURED,
  projectionsHere,
  sinkFor,
  startProjector,
  startRelay,
} from "./readside.ts";

/** The feeds this run can measure. */
export function feedsHere(ctx: Pick<EsRun, "engines">): Feed[] {
  return FEEDS_MEASURED.filter((f) => f !== "nats" || ctx.engines.bus !== undefined);
}

/** Progress steps of part 2. */
export function feedSteps(ctx: Pick<EsRun, "config" | "engines">) {
  return ctx.config.repetitions * feedsHere(ctx).length;
}

/** Run part 2. */
export async function feedsPart(ctx: EsRun) {
  const { config: c, progress } = ctx;
  const { engine, admin } = ctx.engines.store!;
  const projections = projectionsHere(ctx);
  const engineOf = (p: ProjectionName) =>
    p === "storefront" ? ctx.engines.readModel!.engine : engine;
  for (let rep = 0; rep < c.repetitions; rep++) {
    for (const feed of feedsHere(ctx)) {
      progress.step(`read side fed by ${feed}, ${c.feeds.writers} writers, rep ${rep + 1}`);
      await admin.reset();
      await admin.setNotify(feed === "notify");
      if (feed === "nats") await ctx.engines.bus!.admin.reset();
      for (const p of projections) {
        const s = await sinkFor(ctx, p);
        await s.reset();
        await s.close();
      }
      const committed = new Map<number, number>();
      const lags = new Map<ProjectionName, number[]>(projections.map((p) => [p, []]));
      const projectors: Projector[] = [];
      for (const p of projections) {
        projectors.push(
          await startProjector(ctx, feed, p, p, (events, visible) => {
            const out = lags.get(p)!;
            for (const e of events) {
              const t = committed.get(e.position);
              if (t !== undefined) out.push(visible - t);
            }
          }),
        );
      }
      let relay: Relay | undefined = feed === "nats" ? await startRelay(ctx) : undefined;
      const naive: boolean[] = [];
      const tokenWait: number[] = [];
      const writeSide: number[] = [];
      const history = ctx.histories[RYOW_HISTORY];
      const runId = `${feed}/rep${rep}`;
      const sessions = await Promise.all(
        Array.from({ length: c.feeds.writers }, () => admin.session("events")),
      );
      try {
        const result = await runClosedLoop({
          concurrency: c.feeds.writers,
          durationMs: c.feeds.durationS * 1000,
          seed: c.seed + 100 + rep,
          label: `feed ${feed}`,
          op: lifecycleOp({
            sessions,
            ids: new OrderIds(),
            products: c.products,
            readShare: 0,
            cancelShare: c.store.cancelShare,
            onAppend: (a) => {
              const now = performance.now();
              for (const p of a.positions) committed.set(p, now);
            },
            probe: {
              share: c.feeds.ryowShare,
              run: async (s, order, customer, lines) => {
                const r = await s.place(order, customer, lines);
                const t0 = performance.now();
                for (const p of r.appended?.positions ?? []) committed.set(p, t0);
                if (!r.appended) return;
                const seen = await admin.viewOf(order);
                const t1 = performance.now();
                const found = seen !== undefined && seen.version >= r.appended.version;
                naive.push(found);
                history.push({
                  run: runId,
                  feed,
                  order,
                  invoke_ms: Math.round(t0 * 1000) / 1000,
                  complete_ms: Math.round(t1 * 1000) / 1000,
                  wanted_version: r.appended.version,
                  seen_version: seen?.version ?? 0,
                  found,
                });
                // Fix 1: wait until the view shows the version the append returned.
                let v = seen;
                while (!(v && v.version >= r.appended.version)) {
                  if (performance.now() - t0 > c.feeds.ryowWaitMs) break;
                  await sleep(1);
                  v = await admin.viewOf(order);
                }
                tokenWait.push(performance.now() - t0);
                // Fix 2: read the write side (load the aggregate from its stream).
                const t2 = performance.now();
                await s.load(order);
                writeSide.push(performance.now() - t2);
              },
            },
          }),
        });
        loadRun(ctx, FEEDS, engine, rep, { part: "load", feed }).addLoad(result).end();
        const head = await admin.head();
        await allReach(
          [
            ...projectors.map((pr, i) => ({ name: projections[i], loop: pr })),
            ...(relay ? [{ name: "relay", loop: relay }] : []),
          ],
          head.checkpoint,
        );
        for (const p of projections) {
          const xs = lags.get(p)!;
          for (const q of LAG_QUANTILES) {
            if (xs.length === 0) break;
            addRow(ctx, FEEDS, engineOf(p), rep, { part: "lag_cdf", feed, projection: p, q }, [
              ["lag", quantile(xs, q), "ms"],
            ]);
          }
          addRow(ctx, FEEDS, engineOf(p), rep, { part: "lag", feed, projection: p }, [
            ...distribution("lag", lags.get(p)!),
            ["events", head.events, "count"],
          ]);
        }
        const misses = naive.filter((f) => !f).length;
        addRow(ctx, FEEDS, engine, rep, { part: "ryow", feed }, [
          ["probes", naive.length, "count"],
          ["poll_ms", c.feeds.pollMs, "ms"],
          ["miss_rate", naive.length ? misses / naive.length : 0, "ratio"],
          ...distribution("token_wait", tokenWait),
          ...distribution("write_side_read", writeSide),
        ]);
        // The ceiling: fresh projectors over the whole backlog.
        for (const pr of projectors) await pr.stop();
        projectors.length = 0;
        if (relay) {
          await relay.stop();
          relay = undefined;
          const bus = ctx.engines.bus!.admin;
          await bus.reset();
          // Every stored event back in the outbox: the relay republishes the whole backlog.
          await admin.requeueOutbox();
          const t0 = performance.now();
          relay = await startRelay(ctx);
          await allReach([{ name: "relay", loop: relay }], head.checkpoint);
          const s = (performance.now() - t0) / 1000;
          addRow(ctx, FEEDS, ctx.engines.bus!.engine, rep, {
            part: "ceiling",
            feed,
            projection: "relay",
          }, [
            ["events_per_s", head.events / s, "events/s"],
            ["catch_up_s", s, "s"],
          ]);
        }
        for (const p of projections) {
          const sink = await sinkFor(ctx, p);
          await sink.reset();
          await sink.close();
          const t0 = performance.now();
          const pr = await startProjector(ctx, feed, p, `${p}_ceiling_${rep}`);
          projectors.push(pr);
          await allReach([{ name: p, loop: pr }], head.checkpoint);
          const s = (performance.now() - t0) / 1000;
          await pr.stop();
          projectors.pop();
          addRow(ctx, FEEDS, engineOf(p), rep, { part: "ceiling", feed, projection: p }, [
            ["events_per_s", head.events / s, "events/s"],
            ["catch_up_s", s, "s"],
          ]);
        }
      } finally {
        for (const s of sessions) await s.close();
        for (const pr of projectors) await pr.stop().catch(() => {});
        await relay?.stop().catch(() => {});
        await admin.setNotify(false);
      }
    }
  }
}

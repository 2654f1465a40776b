/**
 * Part 3: rebuild time of each projection from scratch at growing event counts (the polling
 * feed from position zero, batches as the projectors use), and the time to load an aggregate
 * against its stream's length with a snapshot every N events and without.
 *
 * @module
 */

import { addRow, type EsRun, quantile, REBUILD } from "./context.ts";
import { allReach, projectionsHere, sinkFor, startProjector } from "./readside.ts";

/** Progress steps of part 3. */
export function rebuildSteps(ctx: Pick<EsRun, "config">) {
  return ctx.config.rebuild.sizes.length + ctx.config.rebuild.lengths.length;
}

/** Run part 3 (one repetition: a rebuild is long and its spread small against its size). */
export async function rebuildPart(ctx: EsRun) {
  const { config: c, progress } = ctx;
  const { engine, admin } = ctx.engines.store!;
  for (const size of c.rebuild.sizes) {
    progress.step(`rebuild every projection from ${size} events`);
    await admin.reset();
    // 4.1 events per synthetic order on average (every tenth is cancelled and refunded).
    await admin.generate(Math.ceil(size / 4.1), 5, c.products);
    const head = await admin.head();
    for (const p of projectionsHere(ctx)) {
      const sink = await sinkFor(ctx, p);
      await sink.reset();
      await sink.close();
      const t0 = performance.now();
      const pr = await startProjector(ctx, "poll", p, p, undefined, c.rebuild.batch);
      await allReach([{ name: p, loop: pr }], head.checkpoint, 600_000);
      const s = (performance.now() - t0) / 1000;
      await pr.stop();
      addRow(
        ctx,
        REBUILD,
        p === "storefront" ? ctx.engines.readModel!.engine : engine,
        0,
        { part: "rebuild", projection: p, events: head.events },
        [
          ["rebuild_s", s, "s"],
          ["events_per_s", head.events / s, "events/s"],
          // Every stored event applied exactly once (a feed that skips or re-reads shows here).
          ["events_applied", pr.stats.events, "count"],
        ],
      );
    }
  }
  await admin.reset();
  for (const length of c.rebuild.lengths) {
    progress.step(
      `load an aggregate of ${length} events, snapshots every ${c.rebuild.snapshotEvery}`,
    );
    const stream = `inventory-${length}`;
    await admin.prepareLongStream(stream, length, c.rebuild.snapshotEvery);
    for (const snap of [false, true]) {
      const times: number[] = [];
      let events = 0;
      let state = 0;
      for (let i = 0; i < c.rebuild.loads + 2; i++) {
        const t0 = performance.now();
        const r = await admin.loadLong(stream, snap);
        if (i >= 2) times.push(performance.now() - t0); // two warm-up loads
        [events, state] = [r.events, r.state];
      }
      addRow(ctx, REBUILD, engine, 0, {
        part: "snapshot",
        length,
        snapshots: snap ? `every_${c.rebuild.snapshotEvery}` : "none",
      }, [
        ["load_p50", quantile(times, 0.5), "ms"],
        ["load_p99", quantile(times, 0.99), "ms"],
        ["events_read", events, "count"],
        ["state", state, "units"],
      ]);
    }
  }
}

/**
 * Part 4: faults on the read side, then the check. While clients append, the read side runs
 * on the bus (outbox relay → JetStream → a durable consumer per read model), the order-status
 * projector and the relay each in a process of its own (./role_process.ts); in turn the
 * projector's process is killed with SIGKILL mid-stream (its connections drop wherever they
 * are, its batch neither committed nor acknowledged, or committed and not acknowledged) and
 * started again, the relay's process is killed with SIGKILL after publishing a batch and
 * before saving its checkpoint (it republishes: JetStream drops the duplicates by message id),
 * the storefront consumer dies in-process holding unacknowledged deliveries (redelivered after
 * the ack wait), and the sales projector dies in-process and restarts. The rows say which
 * crashes were kills of a process. Afterwards every read model is compared with a
 * from-scratch rebuild of all stored events.
 *
 * @module
 */

import { runClosedLoop } from "../../load/run.ts";
import { sleep } from "../../engines/runtime/net.ts";
import { checkProjection } from "../../checks/projections.ts";
import { type ProjectionName, rebuildAll, type StoredEvent } from "./domain.ts";
import { addRow, type EsRun, FAULTS } from "./context.ts";
import { lifecycleOp, OrderIds } from "./lifecycle.ts";
import type { Projector } from "./projector.ts";
import { ProjectorProcess } from "./projector_process.ts";
import { RelayProcess } from "./relay_process.ts";
import { allReach, type Feed, projectionsHere, sinkFor, startProjector } from "./readside.ts";

/** The projection whose projector runs (and is killed) as a process of its own. */
const KILLED_AS_PROCESS: ProjectionName = "order_status";

/** Progress steps of part 4. */
export function faultSteps(ctx: Pick<EsRun, "config" | "engines">) {
  return ctx.engines.bus ? ctx.config.repetitions : 0;
}

/** Run part 4 (needs the bus). */
export async function faultsPart(ctx: EsRun) {
  const { config: c, progress } = ctx;
  const { engine, admin } = ctx.engines.store!;
  const bus = ctx.engines.bus!;
  for (let rep = 0; rep < c.repetitions; rep++) {
    progress.step(`faults: projector, relay and consumer crashes under load, rep ${rep + 1}`);
    await admin.reset();
    await bus.admin.reset();
    const lines: { name: string; feed: Feed; p: ProjectionName }[] = [
      ...projectionsHere(ctx).map((p) => ({ name: p, feed: "nats" as Feed, p })),
    ];
    for (const l of lines) {
      const s = await sinkFor(ctx, l.p);
      await s.reset();
      await s.close();
    }
    // The order-status projector runs in its own process (a real kill -9); the others in this
    // one, crashed by dropping their connections.
    type Running = Pick<Projector, "stats" | "sink" | "crash" | "stop" | "reach">;
    const launch = (l: (typeof lines)[number]): Promise<Running> =>
      l.p === KILLED_AS_PROCESS
        ? ProjectorProcess.start(ctx, l.feed, l.p, `${l.p}_f${rep}`)
        : startProjector(ctx, l.feed, l.p, `${l.p}_f${rep}`);
    const running = new Map<string, Running>();
    for (const l of lines) running.set(l.name, await launch(l));
    let relay = await RelayProcess.start(ctx);
    let relayDuplicates = 0;
    let relayHeld = 0;
    let skipped = 0;
    const crashes: { name: string; sigkill: boolean }[] = [];
    const sessions = await Promise.all(
      Array.from({ length: c.feeds.writers }, () => admin.session("events")),
    );
    const restart = async (name: string) => {
      const pr = running.get(name)!;
      await pr.crash();
      skipped += pr.stats.duplicates;
      crashes.push({ name, sigkill: pr instanceof ProjectorProcess });
      await sleep(100);
      running.set(name, await launch(lines.find((x) => x.name === name)!));
    };
    const durationMs = c.faults.durationS * 1000;
    const faults = (async () => {
      await sleep(durationMs * 0.2);
      await restart("order_status");
      await sleep(durationMs * 0.2);
      await relay.crash(true);
      relayDuplicates += relay.stats.duplicates;
      if (relay.heldAtKill) relayHeld++;
      crashes.push({ name: "relay", sigkill: true });
      relay = await RelayProcess.start(ctx);
      await sleep(durationMs * 0.2);
      await restart(running.has("storefront") ? "storefront" : "sales");
      await sleep(durationMs * 0.1);
      await restart("sales");
    })();
    try {
      await runClosedLoop({
        concurrency: c.feeds.writers,
        durationMs,
        seed: c.seed + 200 + rep,
        label: "faults",
        op: lifecycleOp({
          sessions,
          ids: new OrderIds(),
          products: c.products,
          readShare: 0,
          cancelShare: c.store.cancelShare,
        }),
      });
      await faults;
      const head = await admin.head();
      await allReach([{ name: "relay", loop: relay }], head.checkpoint);
      await allReach([...running].map(([name, loop]) => ({ name, loop })), head.checkpoint);
      for (const pr of running.values()) skipped += pr.stats.duplicates;
      relayDuplicates += relay.stats.duplicates;
      const all: StoredEvent[] = [];
      for await (const batch of admin.allEvents()) all.push(...batch);
      const rebuilt = rebuildAll(all);
      for (const l of lines) {
        const pr = running.get(l.name)!;
        const v = checkProjection(l.p, await pr.sink.dump(), rebuilt[l.p]);
        for (const e of v.examples) progress.log(e);
        addRow(ctx, FAULTS, l.p === "storefront" ? ctx.engines.readModel!.engine : engine, rep, {
          part: "check",
          projection: l.p,
          feed: l.feed,
        }, [
          ["valid", v.valid ? 1 : 0, "flag"],
          ["keys", v.keys, "count"],
          ["missing", v.missing, "count"],
          ["phantom", v.phantom, "count"],
          ["differing", v.differing, "count"],
          ["applied_twice", v.over, "count"],
          ["duplicates_skipped", pr.stats.duplicates, "count"],
          // 1: this read model's projector ran as a process of its own, killed with SIGKILL.
          ["projector_sigkill", l.p === KILLED_AS_PROCESS ? 1 : 0, "flag"],
        ]);
      }
      addRow(ctx, FAULTS, bus.engine, rep, { part: "faults", projection: "all", feed: "nats" }, [
        ["events", head.events, "count"],
        ["crashes", crashes.length, "count"],
        // Kills of a separate process (SIGKILL) against crashes inside this one.
        ["crashes_sigkill", crashes.filter((x) => x.sigkill).length, "count"],
        ["crashes_in_process", crashes.filter((x) => !x.sigkill).length, "count"],
        ["relay_sigkill", crashes.some((x) => x.name === "relay") ? 1 : 0, "flag"],
        // Relay kills that landed after a publish and before its checkpoint was saved.
        ["relay_killed_after_publish", relayHeld, "count"],
        ["relay_duplicates_dropped", relayDuplicates, "count"],
        ["duplicates_skipped", skipped, "count"],
      ]);
    } finally {
      await faults.catch(() => {});
      for (const s of sessions) await s.close();
      for (const pr of running.values()) await pr.stop().catch(() => {});
      await relay.stop().catch(() => {});
    }
  }
}

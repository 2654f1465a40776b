/**
 * Building the read side for one feed (engine-free): a projector per read model, each reading
 * the feed through its own source, plus the outbox relay when the feed is the bus.
 *
 * @module
 */

import type { Checkpoint, ProjectionName, StoredEvent } from "./domain.ts";
import type { FeedSource } from "./binding.ts";
import type { EsRun } from "./context.ts";
import { Projector, Relay } from "./projector.ts";

/** The three feeds. */
export const FEEDS_MEASURED = ["poll", "notify", "nats"] as const;

/** One feed. */
export type Feed = typeof FEEDS_MEASURED[number];

/** The read models this run can build (storefront only with a read-model engine). */
export function projectionsHere(ctx: EsRun): ProjectionName[] {
  return ctx.engines.readModel
    ? ["order_status", "sales", "storefront"]
    : ["order_status", "sales"];
}

/** The sink of a projection on whichever engine holds it. */
export function sinkFor(ctx: EsRun, p: ProjectionName) {
  return p === "storefront"
    ? ctx.engines.readModel!.admin.sink(p)
    : ctx.engines.store!.admin.sink(p);
}

/** A source of `feed` for consumer `name`. */
export function sourceFor(ctx: EsRun, feed: Feed, name: string): Promise<FeedSource> {
  const c = ctx.config;
  return feed === "nats"
    ? ctx.engines.bus!.admin.source(name, c.faults.ackWaitMs, c.feeds.batch)
    : ctx.engines.store!.admin.source(feed, c.feeds.pollMs);
}

/** A started projector of `p` on `feed` (consumer `name`), resuming at its sink's checkpoint. */
export async function startProjector(
  ctx: EsRun,
  feed: Feed,
  p: ProjectionName,
  name: string = p,
  onApplied?: (events: readonly StoredEvent[], visibleMs: number) => void,
  batch = ctx.config.feeds.batch,
): Promise<Projector> {
  const pr = await new Projector(
    await sourceFor(ctx, feed, name),
    await sinkFor(ctx, p),
    batch,
    onApplied,
  ).init();
  pr.start();
  return pr;
}

/** A started outbox relay (the store's outbox → bus) resuming at its checkpoint. */
export async function startRelay(ctx: EsRun): Promise<Relay> {
  const r = await new Relay(
    await ctx.engines.store!.admin.outbox(ctx.config.feeds.pollMs),
    ctx.engines.bus!.admin,
    ctx.config.feeds.batch,
  ).init();
  r.start();
  return r;
}

/** Wait for every loop to reach `target`; throws naming the ones that did not. */
export async function allReach(
  loops: { name: string; loop: { reach(t: Checkpoint, ms: number): Promise<boolean> } }[],
  target: Checkpoint,
  timeoutMs = 60_000,
) {
  const late = [];
  for (const l of loops) if (!(await l.loop.reach(target, timeoutMs))) late.push(l.name);
  if (late.length) {
    throw new Error(`eventsourcing: ${late.join(", ")} did not catch up in ${timeoutMs} ms`);
  }
}

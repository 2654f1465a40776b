/**
 * A projector in its own operating-system process (./role_process.ts), so the faults part can
 * kill it with SIGKILL mid-stream and start it again. The child runs the same
 * {@link Projector} as the in-process one; the parent watches progress through the sink's
 * checkpoint, which the child commits with its rows.
 *
 * @module
 */

import { sleep } from "../../engines/runtime/net.ts";
import { after, type Checkpoint, type ProjectionName } from "./domain.ts";
import type { ProjectionSink } from "./binding.ts";
import type { EsRun } from "./context.ts";
import { Projector } from "./projector.ts";
import type { Feed } from "./readside.ts";
import { type RoleEngines, roleEngines, RoleProcess, serveRole } from "./role_process.ts";

/** What the projector's child needs besides the engines. */
interface ProjectorSpec extends RoleEngines {
  feed: Feed;
  projection: ProjectionName;
  consumer: string;
  batch: number;
  pollMs: number;
  ackWaitMs: number;
}

/** A projector process as the faults part drives it: the same verbs as an in-process one. */
export class ProjectorProcess {
  #proc: RoleProcess | undefined;

  private constructor(proc: RoleProcess, readonly sink: ProjectionSink) {
    this.#proc = proc;
  }

  /** The counters the child last reported (a killed child's final batch may be missing). */
  get stats() {
    return this.#proc?.stats ?? { batches: 0, events: 0, duplicates: 0, errors: 0 };
  }

  /** Spawn a projector of `p` on `feed` (consumer `name`) and wait until it has started. */
  static async start(ctx: EsRun, feed: Feed, p: ProjectionName, name: string) {
    const spec: ProjectorSpec = {
      ...roleEngines(ctx),
      feed,
      projection: p,
      consumer: name,
      batch: ctx.config.feeds.batch,
      pollMs: ctx.config.feeds.pollMs,
      ackWaitMs: ctx.config.faults.ackWaitMs,
    };
    // The parent's own sink: reads the checkpoint and dumps the read model, never applies.
    const { store, readModel } = ctx.engines;
    const sink = await (p === "storefront" ? readModel!.admin.sink(p) : store!.admin.sink(p));
    try {
      return new ProjectorProcess(await RoleProcess.start(MODULE, spec, "projector"), sink);
    } catch (err) {
      await sink.close().catch(() => {});
      throw err;
    }
  }

  /** Wait until the sink's committed checkpoint has reached `target`; true when it did. */
  async reach(target: Checkpoint, timeoutMs: number): Promise<boolean> {
    const end = performance.now() + timeoutMs;
    while (after(target, await this.sink.checkpoint())) {
      if (performance.now() > end) return false;
      await sleep(20);
    }
    return true;
  }

  /** kill -9: the process dies wherever it is. */
  async crash() {
    const proc = this.#proc;
    await proc?.kill();
    // The parent's reader goes with the handle (a restart opens its own).
    await this.sink.close().catch(() => {});
  }

  /** Ask the child to finish its batch and exit (SIGTERM), then close the parent's sink. */
  async stop() {
    await this.#proc?.stop();
    await this.sink.close();
  }
}

const MODULE = new URL(import.meta.url);

if (import.meta.main) {
  await serveRole<ProjectorSpec>(async (spec, { store, readModel, bus }) => {
    const source = spec.feed === "nats"
      ? await bus!.source(spec.consumer, spec.ackWaitMs, spec.batch)
      : await store.source(spec.feed, spec.pollMs);
    const sink = spec.projection === "storefront"
      ? await readModel!.sink(spec.projection)
      : await store.sink(spec.projection);
    return await new Projector(source, sink, spec.batch).init();
  });
}

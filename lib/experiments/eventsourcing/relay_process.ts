/**
 * The outbox relay in its own operating-system process (./role_process.ts), so the faults part
 * can kill it with SIGKILL and start it again. The child runs the same {@link Relay} as the
 * in-process one; the parent watches progress through the relay's checkpoint in the store.
 *
 * To kill it exactly between the bus's acknowledgement and the checkpoint (the case that makes
 * a restarted relay republish), the parent writes `hold`: the child stops after its next
 * publish, prints `held`, and waits there to be killed.
 *
 * @module
 */

import { sleep } from "../../engines/runtime/net.ts";
import { after, type Checkpoint } from "./domain.ts";
import type { Outbox } from "./binding.ts";
import type { EsRun } from "./context.ts";
import { Relay } from "./projector.ts";
import { type RoleEngines, roleEngines, RoleProcess, serveRole } from "./role_process.ts";

/** What the relay's child needs besides the engines. */
interface RelaySpec extends RoleEngines {
  batch: number;
  pollMs: number;
}

/** A relay process as the faults part drives it: the in-process relay's verbs. */
export class RelayProcess {
  /** Whether the last kill landed after a publish and before its checkpoint. */
  heldAtKill = false;

  private constructor(
    private readonly proc: RoleProcess,
    /** The parent's handle on the outbox: reads the relay's checkpoint only. */
    private readonly checkpoints: Outbox,
  ) {}

  /** The counters the child last reported. */
  get stats() {
    return this.proc.stats;
  }

  /** Spawn a relay resuming at its checkpoint and wait until it has started. */
  static async start(ctx: EsRun): Promise<RelayProcess> {
    const spec: RelaySpec = {
      ...roleEngines(ctx),
      batch: ctx.config.feeds.batch,
      pollMs: ctx.config.feeds.pollMs,
    };
    const checkpoints = await ctx.engines.store!.admin.outbox(ctx.config.feeds.pollMs);
    try {
      return new RelayProcess(await RoleProcess.start(MODULE, spec, "relay"), checkpoints);
    } catch (err) {
      await checkpoints.close().catch(() => {});
      throw err;
    }
  }

  /** Wait until the relay's saved checkpoint has reached `target`; true when it did. */
  async reach(target: Checkpoint, timeoutMs: number): Promise<boolean> {
    const end = performance.now() + timeoutMs;
    while (after(target, await this.checkpoints.get())) {
      if (performance.now() > end) return false;
      await sleep(20);
    }
    return true;
  }

  /**
   * kill -9. With `afterPublish`, first hold the child after its next publish (at most
   * `holdMs`: with no events flowing it is killed wherever it waits).
   */
  async crash(afterPublish = false, holdMs = 2000) {
    if (afterPublish) {
      const held = this.proc.waitFor("held", holdMs);
      await this.proc.send("hold");
      this.heldAtKill = await held;
    }
    await this.proc.kill();
    await this.checkpoints.close().catch(() => {});
  }

  /** Stop the child cleanly (SIGTERM) and close the parent's checkpoint reader. */
  async stop() {
    await this.proc.stop();
    await this.checkpoints.close();
  }
}

const MODULE = new URL(import.meta.url);

if (import.meta.main) {
  await serveRole<RelaySpec>(
    async (spec, { store, bus }) =>
      await new Relay(await store.outbox(spec.pollMs), bus!, spec.batch).init(),
    (line, loop) => {
      if (line !== "hold") return;
      (loop as Relay).afterPublish = () => {
        console.log("held");
        return new Promise<void>(() => {});
      };
    },
  );
}

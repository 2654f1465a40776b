/**
 * One fault scenario on an open store, Jepsen-style and engine-blind: one writer session per
 * node writes unique ids through that node at a steady pace (so whichever node accepts writes
 * shows in the history), the nemesis hits the primary (kill -9, or a partition that is healed
 * later), writing goes on until another node has taken over, and after the store settled the
 * surviving primary's ids are read. Every operation and the faults go into one history.
 *
 * @module
 */

import { sleep } from "../../engines/runtime/net.ts";
import { encodeIds, type FailoverOp } from "../../checks/failover.ts";
import { type FailoverStore, type FaultKind, Refused } from "./binding.ts";

/** Timing of one scenario. */
export interface ScenarioTiming {
  /** Writing before the fault (ms). */
  warmMs: number;
  /** Pause between one session's writes (ms), and after a refused write. */
  paceMs: number;
  failPauseMs: number;
  /** Client timeout of one write (ms): past it the outcome is unknown. */
  writeTimeoutMs: number;
  /** Give up waiting for another node to take writes after this long (ms). */
  takeoverTimeoutMs: number;
  /** Writing after the takeover (kill) or after the heal (partition), ms. */
  tailMs: number;
  /** How long the partition lasts after the takeover was seen (ms). */
  holdMs: number;
  /** Waiting for the store to settle before the final read (ms). */
  settleTimeoutMs: number;
}

/** What a scenario recorded. */
export interface ScenarioResult {
  history: FailoverOp[];
  /** Wall time of the whole scenario (s). */
  durationS: number;
  /** The node hit. */
  target: string;
}

/** Run one scenario; the store must be settled before. */
export async function runScenario(
  store: FailoverStore,
  fault: FaultKind,
  timing: ScenarioTiming,
  nextId: () => number,
  log: (line: string) => void = () => {},
): Promise<ScenarioResult> {
  const history: FailoverOp[] = [];
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const target = await store.primary();
  let stop = false;
  // When the fault call returned: from then on it is in effect.
  let hitDone = Infinity;
  // Ids only grow: everything below this scenario's first id belongs to an earlier scenario
  // on the same store, and stays out of this scenario's final read.
  let firstId = Infinity;
  let takeover: (() => void) | undefined;
  const tookOver = new Promise<void>((r) => (takeover = r));

  const writer = async (node: string) => {
    while (!stop) {
      const id = nextId();
      firstId = Math.min(firstId, id);
      const invokeMs = now();
      let outcome: FailoverOp["outcome"] = "ok";
      try {
        await store.write(node, id, timing.writeTimeoutMs);
      } catch (err) {
        outcome = err instanceof Refused ? "fail" : "info";
      }
      const completeMs = now();
      history.push({
        session: `w-${node}`,
        node,
        f: "write",
        key: id,
        value: id,
        invokeMs,
        completeMs,
        outcome,
      });
      // A write sent once the fault was in effect: one in flight at the cut (a multi-primary
      // store's other nodes) proves nothing.
      if (outcome === "ok" && node !== target && invokeMs > hitDone) takeover!();
      await sleep(outcome === "ok" ? timing.paceMs : timing.failPauseMs);
    }
  };
  const nemesis = (value: string, node: string, invokeMs: number) =>
    history.push({
      session: "nemesis",
      node,
      f: "fault",
      key: 0,
      value,
      invokeMs,
      completeMs: now(),
      outcome: "ok",
    });

  const writers = store.nodes.map((n) => writer(n));
  try {
    await sleep(timing.warmMs);
    const at = now();
    if (fault === "kill") await store.kill(target);
    else await store.partition!(target);
    nemesis(`${fault} ${target}`, target, at);
    hitDone = now();
    const took = await Promise.race([
      tookOver.then(() => true),
      sleep(timing.takeoverTimeoutMs).then(() => false),
    ]);
    if (!took) {
      nemesis(`no takeover within ${timing.takeoverTimeoutMs} ms`, target, now());
      const d = store.diagnose?.();
      if (d) log(`no takeover after ${fault} ${target}; node logs:\n${d}`);
    }
    if (fault === "partition") {
      await sleep(timing.holdMs);
      const healAt = now();
      await store.heal!(target);
      nemesis(`heal ${target}`, target, healAt);
    }
    await sleep(timing.tailMs);
  } finally {
    stop = true;
    await Promise.all(writers);
  }
  if (fault === "kill" && store.recover) {
    const at = now();
    await store.recover(target);
    nemesis(`recover ${target}`, target, at);
  }
  await store.settle(timing.settleTimeoutMs);
  const readAt = now();
  const ids = (await store.readIds()).filter((id) => id >= firstId);
  const reader = await store.primary();
  history.push({
    session: "checker",
    node: reader,
    f: "final_read",
    key: 0,
    value: encodeIds(ids),
    invokeMs: readAt,
    completeMs: now(),
    outcome: "ok",
  });
  // Every node of a multi-primary store serves reads: each one's ids, for the divergence check.
  for (const node of store.readIdsOn ? store.nodes.filter((n) => n !== reader) : []) {
    const at = now();
    const mine = (await store.readIdsOn!(node)).filter((id) => id >= firstId);
    history.push({
      session: "checker",
      node,
      f: "final_read",
      key: 0,
      value: encodeIds(mine),
      invokeMs: at,
      completeMs: now(),
      outcome: "ok",
    });
  }
  return { history, durationS: now() / 1000, target };
}

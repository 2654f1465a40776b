/**
 * Resharding, the cluster's own procedure (what `redis-cli --cluster reshard` does), as an
 * engine verb: for each slot, mark it IMPORTING on the target and MIGRATING on the source,
 * `MIGRATE` its keys in batches, then assign it to the target on every primary. While a slot
 * migrates, clients asking the source for a key already moved get `-ASK` (try the target
 * once), and once it is assigned they get `-MOVED` (update the slot map): both are the
 * client's job, which is what an experiment resharding under load measures.
 *
 * It works on any cluster it can reach, ours or an external one; callers decide whether they
 * may change an external cluster's slot map (experiments here do not, by default).
 *
 * @module
 */

import type { Redis } from "ioredis";
import type { EngineNode } from "../types.ts";
import { type ClusterNodeInfo, clusterTopology, connectNode } from "./client.ts";

/** What a slot move did. */
export interface ReshardResult {
  /** Slots now served by the target. */
  slots: number;
  /** Keys MIGRATEd from source to target. */
  keys: number;
  /** Wall time of the whole move (ms). */
  ms: number;
}

/** Options of {@link moveSlots}. */
export interface MoveSlotsOptions {
  /** Keys per `CLUSTER GETKEYSINSLOT`/`MIGRATE` batch (redis-cli's `--cluster-pipeline`, 10). */
  pipeline?: number;
  /** `MIGRATE` timeout (ms). */
  timeoutMs?: number;
  /** Called after each slot (progress). */
  onSlot?: (done: number, total: number) => void;
}

const url = (n: Pick<ClusterNodeInfo, "host" | "port">) => `redis://${n.host}:${n.port}`;

/**
 * Move `count` slots (the lowest the source serves) from the primary `from` to the primary
 * `to`, both given by their `host:port` or cluster id, through `seed` (any node).
 */
export async function moveSlots(
  seed: Pick<EngineNode, "url">,
  from: string,
  to: string,
  count: number,
  options: MoveSlotsOptions = {},
): Promise<ReshardResult> {
  const t0 = performance.now();
  const nodes = await clusterTopology(seed);
  const find = (ref: string) => {
    const n = nodes.find((x) => x.id === ref || `${x.host}:${x.port}` === ref);
    if (!n || n.role !== "primary") {
      throw new Error(`reshard: ${ref} is not a primary of the cluster`);
    }
    return n;
  };
  const source = find(from);
  const target = find(to);
  const slots = source.slots.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i))
    .slice(0, count);
  if (slots.length < count) {
    throw new Error(`reshard: ${from} serves ${slots.length} slots, ${count} asked for`);
  }
  const primaries = nodes.filter((n) => n.role === "primary");
  const conns = new Map<string, Redis>();
  for (const n of primaries) conns.set(n.id, await connectNode({ url: url(n) }));
  const src = conns.get(source.id)!;
  const dst = conns.get(target.id)!;
  const batch = options.pipeline ?? 10;
  const timeout = options.timeoutMs ?? 5000;
  let keys = 0;
  try {
    for (const [i, slot] of slots.entries()) {
      await dst.call("CLUSTER", "SETSLOT", slot, "IMPORTING", source.id);
      await src.call("CLUSTER", "SETSLOT", slot, "MIGRATING", target.id);
      for (;;) {
        const batchKeys = await src.call("CLUSTER", "GETKEYSINSLOT", slot, batch) as string[];
        if (batchKeys.length === 0) break;
        await src.call("MIGRATE", target.host, target.port, "", 0, timeout, "KEYS", ...batchKeys);
        keys += batchKeys.length;
      }
      // Target first, so that a client the source sends there finds the slot already owned.
      await dst.call("CLUSTER", "SETSLOT", slot, "NODE", target.id);
      await src.call("CLUSTER", "SETSLOT", slot, "NODE", target.id);
      for (const n of primaries) {
        if (n.id !== source.id && n.id !== target.id) {
          await conns.get(n.id)!.call("CLUSTER", "SETSLOT", slot, "NODE", target.id);
        }
      }
      options.onSlot?.(i + 1, slots.length);
    }
  } finally {
    for (const c of conns.values()) c.disconnect();
  }
  return { slots: slots.length, keys, ms: performance.now() - t0 };
}

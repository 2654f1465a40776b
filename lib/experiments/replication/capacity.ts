/**
 * The capacity phase of a replication mode: closed-loop writes, the throughput ceiling the
 * mode leaves the primary, and how long the replicas then need to work off the burst — its
 * rows are data/replication.csv's phase `capacity`.
 *
 * @module
 */

import { type LoadResult, runClosedLoop } from "../../load/run.ts";
import type { RunResults } from "../../results/mod.ts";
import type { ReplicationMode } from "./binding.ts";
import {
  closeAll,
  type Cluster,
  openWriters,
  type PhaseSettings,
  WRITE_KEYS,
  writeOp,
} from "./cluster.ts";

/** Closed-loop writes with `clients` connections: the throughput ceiling of the mode. */
export async function measureCapacity(
  c: Cluster,
  mode: ReplicationMode,
  s: PhaseSettings,
  clients: number,
  durationMs: number,
  label: string,
): Promise<LoadResult> {
  const writers = await openWriters(c, mode, s, clients);
  try {
    return await runClosedLoop({
      concurrency: clients,
      durationMs,
      warmupMs: Math.min(500, durationMs / 4),
      seed: s.seed,
      progress: s.ticks,
      label,
      op: writeOp(c, writers, new Map(), WRITE_KEYS),
    });
  } finally {
    await closeAll(writers);
  }
}

/**
 * A capacity run's metrics: how long the replicas needed to apply the burst (MariaDB applies
 * serially; see `settle`), then the load's.
 */
export function capacityRows(run: RunResults, load: LoadResult, catchUpMs: number): void {
  run.add("replica_catch_up", catchUpMs, "ms");
  run.addLoad(load);
}

/** A capacity run's headline. */
export function capacityLine(label: string, load: LoadResult, clients: number): string {
  return `${label}: ${load.throughput.toFixed(0)} writes/s with ${clients} clients`;
}

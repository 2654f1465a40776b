/**
 * The ADR's distance figures (D8) from the failover experiment's distance table: what a
 * synchronous commit costs, how far an asynchronous standby lags and what a crash of the
 * primary with its link loses, at each round trip of the default sweep. Until the table is
 * committed every figure says "pending".
 *
 * @module
 */

import { type FigureSet, formatNumber } from "../../results/figure.ts";
import { formatSpread } from "./spread.ts";
import { distanceRtts, distanceValue, distanceValues } from "../../experiments/failover/summary.ts";
import { measuredCell } from "./record.ts";

const FILE = "failover_distance.csv";
const STORE = "postgres-toxiproxy";
/** The default scale's round trips (lib/experiments/failover/config.ts). */
const RTTS = [1, 5, 20, 50, 100];
type Data = Parameters<FigureSet[string]>[0];

const fig = (mode: string, metric: string, rtt: number, decimals = 1, unit = "ms") => (d: Data) =>
  measuredCell(
    d,
    FILE,
    async () =>
      formatNumber(distanceValue(await d.rows(FILE), STORE, mode, rtt, metric), {
        decimals,
        unit,
      }),
  );
/** A rate of the sweep with the spread of its repetitions at that round trip (issue 19). */
const rate = (mode: string, metric: string, rtt: number, unit: string) => (d: Data) =>
  measuredCell(d, FILE, async () => {
    const rows = await d.rows(FILE);
    const runs = distanceValues(rows, STORE, mode, rtt, metric);
    const mean = runs.reduce((a, b) => a + b, 0) / runs.length;
    return `${formatNumber(mean, { decimals: 0, unit })} (${formatSpread(runs)})`;
  });

function perRoundTrip(): FigureSet {
  const out: Record<string, FigureSet[string]> = {};
  for (const rtt of RTTS) {
    const p = "failover.distance";
    out[`${p}.measured_rtt_ms.${rtt}`] = fig("async", "measured_rtt_ms", rtt);
    out[`${p}.sync_commit_p50_ms.${rtt}`] = fig("sync_on", "commit_p50_ms", rtt);
    out[`${p}.sync_commit_p99_ms.${rtt}`] = fig("sync_on", "commit_p99_ms", rtt);
    out[`${p}.sync_commits_per_s.${rtt}`] = rate("sync_on", "commits_per_s", rtt, "commits/s");
    out[`${p}.remote_apply_p50_ms.${rtt}`] = fig("sync_remote_apply", "commit_p50_ms", rtt);
    out[`${p}.async_lag_p50_ms.${rtt}`] = fig("async", "lag_p50_ms", rtt);
    out[`${p}.async_lag_p99_ms.${rtt}`] = fig("async", "lag_p99_ms", rtt);
    out[`${p}.rpo_writes.${rtt}`] = (d) =>
      measuredCell(d, FILE, async () => {
        const rows = await d.rows(FILE);
        const lost = distanceValue(rows, STORE, "async", rtt, "lost_acked_writes");
        const acked = distanceValue(rows, STORE, "async", rtt, "acked_writes");
        return `${formatNumber(lost, { decimals: 0 })} of ${formatNumber(acked, { decimals: 0 })}`;
      });
    out[`${p}.rpo_ms.${rtt}`] = fig("async", "rpo_ms", rtt);
  }
  return out;
}

/** D8's distance figures. */
export const distanceFigures: FigureSet = {
  ...perRoundTrip(),
  "failover.distance.rtts": (d) =>
    measuredCell(d, FILE, async () => `${distanceRtts(await d.rows(FILE)).join(", ")} ms`),
  "failover.distance.proxy": (d) =>
    measuredCell(d, FILE, async () => {
      const r = (await d.rows(FILE)).find((x) => x.store === STORE && x.metric !== "skipped");
      return r ? String(r.engine_config).match(/proxy=([^;]*)/)?.[1] ?? "?" : "skipped";
    }),
};

/**
 * The ADR's figures from the failover experiment's committed rows (D8 and D4's partition
 * rows): client-visible write unavailability, acknowledged writes lost, two primaries, how
 * long an isolated primary (or a Galera minority) kept acknowledging and when it began to
 * refuse, divergence after the heal, and the timers that produced them; the distance figures
 * (./failover_distance.ts).
 *
 * @module
 */

import { type FigureSet, formatNumber } from "../../results/figure.ts";
import type { ResultRow } from "../../results/mod.ts";
import { aggregate, metricValues, settingsOf } from "../../experiments/failover/summary.ts";
import { distanceFigures } from "./failover_distance.ts";

const FILE = "failover.csv";
type Data = Parameters<FigureSet[string]>[0];
type Rows = readonly ResultRow[];

const on = (f: (rows: Rows) => string) => async (d: Data) => f(await d.rows(FILE));
const seconds = (ms: number) => formatNumber(ms / 1000, { decimals: 1, unit: "s" });
/** Mean over rounds, with the range when there are several. */
const rto = (store: string, mode: string, fault: string) =>
  on((r) => {
    const rounds = aggregate(r, store, mode, fault, "takeover");
    if (rounds.sum < rounds.n) {
      const wait = aggregate(r, store, mode, fault, "takeover_timeout_ms").max;
      return `no takeover within ${seconds(wait)} in ${rounds.n - rounds.sum} of ${rounds.n}`;
    }
    const a = aggregate(r, store, mode, fault, "unavailable_ms");
    return a.n < 2
      ? seconds(a.mean)
      : `${seconds(a.mean)} (range ${seconds(a.min)}–${seconds(a.max)})`;
  });
const lost = (store: string, mode: string, fault: string) =>
  on((r) => {
    const l = aggregate(r, store, mode, fault, "lost_acked_writes").sum;
    const a = aggregate(r, store, mode, fault, "acked_writes").sum;
    return `${formatNumber(l, { decimals: 0 })} of ${formatNumber(a, { decimals: 0 })}`;
  });
const sum = (store: string, mode: string, fault: string, metric: string) =>
  on((r) => formatNumber(aggregate(r, store, mode, fault, metric).sum, { decimals: 0 }));
const maxMs = (store: string, mode: string, fault: string, metric: string) =>
  on((r) => seconds(aggregate(r, store, mode, fault, metric).max));
/** When the cut-off side first refused a write (max over rounds), or that it never did. */
const refusedAfter = (store: string, mode: string, fault: string) =>
  on((r) => {
    const v = metricValues(r, store, mode, fault, "isolated_refused_ms");
    const n = aggregate(r, store, mode, fault, "takeover").n;
    if (v.length < n) return `never refused in ${n - v.length} of ${n}`;
    return seconds(Math.max(...v));
  });

/** Store, its figure prefix, and its modes with the faults each took. */
const STORES: [string, string, [string, string[]][]][] = [
  ["patroni", "pg", [["async", ["kill", "partition"]], ["sync", ["kill", "partition"]]]],
  ["redis-sentinel", "redis", [
    ["no_wait", ["kill", "partition"]],
    ["wait", ["kill", "partition"]],
    ["min_replicas", ["partition"]],
  ]],
  ["galera", "galera", [["multi_primary", ["partition"]]]],
];

function perScenario(): FigureSet {
  const out: Record<string, FigureSet[string]> = {};
  for (const [store, s, modes] of STORES) {
    for (const [mode, faults] of modes) {
      for (const fault of faults) {
        const p = `failover.${s}_${mode}_${fault}`;
        out[`${p}_rto`] = rto(store, mode, fault);
        out[`${p}_lost`] = lost(store, mode, fault);
        out[`${p}_unknown`] = sum(store, mode, fault, "unknown_writes");
        out[`${p}_two_primaries`] = sum(store, mode, fault, "two_primaries");
        if (fault === "partition") {
          out[`${p}_isolated_acks`] = sum(store, mode, fault, "isolated_acks");
          out[`${p}_isolated_ms`] = maxMs(store, mode, fault, "isolated_ack_ms");
          out[`${p}_overlap`] = maxMs(store, mode, fault, "primary_overlap_ms");
          out[`${p}_refused_after`] = refusedAfter(store, mode, fault);
          out[`${p}_refused`] = sum(store, mode, fault, "failed_writes");
        }
      }
    }
  }
  out["failover.galera_multi_primary_partition_diverged"] = sum(
    "galera",
    "multi_primary",
    "partition",
    "diverged_ids",
  );
  return out;
}

/** D8's figures (and D4's partition rows). */
export const failoverFigures: FigureSet = {
  ...perScenario(),
  ...distanceFigures,
  "failover.kill_rounds": on((r) =>
    String(
      new Set(r.filter((x) => x.store === "patroni" && x.fault === "kill").map((x) => x.repetition))
        .size,
    )
  ),
  "failover.scenarios": on((r) => String(r.filter((x) => x.metric === "two_primaries").length)),
  "failover.two_primaries_total": on((r) =>
    formatNumber(
      r.filter((x) => x.metric === "two_primaries").reduce((a, x) => a + Number(x.value), 0),
      { decimals: 0 },
    )
  ),
  "failover.two_primaries_where": on((r) => {
    const found = r.filter((x) => x.metric === "two_primaries" && Number(x.value) > 0)
      .map((x) => `${x.store} ${x.mode} ${x.fault}`);
    return found.length ? [...new Set(found)].join(", ") : "none";
  }),
  "failover.min_replicas_settings": on((r) => {
    const s = settingsOf(r, "redis-sentinel", "min_replicas");
    return `min-replicas-to-write ${s["min-replicas-to-write"]}, min-replicas-max-lag ${
      s["min-replicas-max-lag"]
    } s`;
  }),
  "failover.pg_timers": on((r) => {
    const s = settingsOf(r, "patroni", "async");
    return `ttl ${s.ttl} s, loop_wait ${s.loop_wait} s, retry_timeout ${s.retry_timeout} s`;
  }),
  "failover.redis_timers": on((r) => {
    const s = settingsOf(r, "redis-sentinel", "no_wait");
    return `down-after-milliseconds ${s.down_after_ms}, failover-timeout ${s.failover_timeout_ms} ms, quorum ${s.quorum} of 3`;
  }),
  "failover.pg_version": on((r) =>
    r.find((x) => x.store === "patroni" && x.metric !== "skipped")!.engine_version
  ),
  "failover.patroni_version": on((r) => settingsOf(r, "patroni", "async").patroni),
  "failover.redis_version": on((r) =>
    r.find((x) => x.store === "redis-sentinel" && x.metric !== "skipped")!.engine_version
  ),
  "failover.galera_version": on((r) => {
    const row = r.find((x) => x.store === "galera" && x.metric !== "skipped")!;
    return `${row.engine_version} (Galera ${settingsOf(r, "galera", "replicated_commit").galera})`;
  }),
  "failover.galera_commit_p50": on((r) =>
    formatNumber(aggregate(r, "galera", "replicated_commit", "none", "commit_p50_ms").mean, {
      unit: "ms",
    })
  ),
  "failover.galera_commit_p99": on((r) =>
    formatNumber(aggregate(r, "galera", "replicated_commit", "none", "commit_p99_ms").mean, {
      unit: "ms",
    })
  ),
  "failover.galera_local_p50": on((r) =>
    formatNumber(aggregate(r, "galera", "local_commit", "none", "commit_p50_ms").mean, {
      unit: "ms",
    })
  ),
  "failover.galera_plain_lost": on((r) => {
    const l = aggregate(r, "galera", "plain_read", "none", "lost_updates").sum;
    const c = aggregate(r, "galera", "plain_read", "none", "committed_increments").sum;
    return `${formatNumber(l, { decimals: 0 })} of ${formatNumber(c, { decimals: 0 })}`;
  }),
  "failover.galera_locking_lost": on((r) => {
    const l = aggregate(r, "galera", "for_update", "none", "lost_updates").sum;
    const c = aggregate(r, "galera", "for_update", "none", "committed_increments").sum;
    return `${formatNumber(l, { decimals: 0 })} of ${formatNumber(c, { decimals: 0 })}`;
  }),
  "failover.galera_plain_same_node": on((r) =>
    formatNumber(aggregate(r, "galera", "plain_read", "none", "same_node_duplicate_reads").sum, {
      decimals: 0,
    })
  ),
  "failover.galera_plain_duplicates": on((r) =>
    formatNumber(aggregate(r, "galera", "plain_read", "none", "duplicate_reads").sum, {
      decimals: 0,
    })
  ),
  "failover.galera_plain_rolled_back": on((r) =>
    formatNumber(aggregate(r, "galera", "plain_read", "none", "rolled_back_increments").sum, {
      decimals: 0,
    })
  ),
  "failover.galera_locking_rolled_back": on((r) =>
    formatNumber(aggregate(r, "galera", "for_update", "none", "rolled_back_increments").sum, {
      decimals: 0,
    })
  ),
  "failover.galera_locking_conflicts": on((r) =>
    formatNumber(aggregate(r, "galera", "for_update", "none", "cert_conflicts").sum, {
      decimals: 0,
    })
  ),
  "failover.galera_plain_conflicts": on((r) =>
    formatNumber(aggregate(r, "galera", "plain_read", "none", "cert_conflicts").sum, {
      decimals: 0,
    })
  ),
  "failover.skipped": on((r) => {
    const s = r.filter((x) => x.metric === "skipped");
    return s.length ? s.map((x) => `${x.store}/${x.mode}: ${x.reason}`).join("; ") : "none";
  }),
};

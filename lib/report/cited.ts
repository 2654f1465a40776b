/**
 * Every number the decision record takes from elsewhere, in one place, each with its source
 * and date: published results of other benchmarks (ClickBench, Jepsen, vendors) and the
 * requirements the platform's brief sets (service levels). They reach the ADR through figure
 * markers (`external.<id>`, `requirement.<id>`) like measured numbers, so none is typed in the
 * text, and none is ever mistaken for a measurement of ours.
 *
 * @module
 */

import { type FigureSet, formatNumber } from "../results/figure.ts";

/** A number published elsewhere. */
export interface Cited {
  /** The value. */
  value: number;
  /** Its unit as the record writes it ("×", "GB", "ms"…; "" for a plain number). */
  unit: string;
  /** Decimals to show (default as formatNumber). */
  decimals?: number;
  /** Who published it and where. */
  source: string;
  /** URL of the source. */
  url: string;
  /** When it was published or read (ISO date). */
  date: string;
  /** What exactly it measures, and how it was derived if it was. */
  note: string;
}

/** ClickBench's published results (hot runs, c6a.4xlarge, ~10^8 rows of its hits table). */
export const CLICKBENCH = {
  commit: "faa7e582cf7f2be943d11e5340fdc8a274671f2f",
  machine: "c6a.4xlarge (16 vCPU, 32 GB)",
  rows: "~10^8",
} as const;

const clickbench = (value: number, unit: string, note: string): Cited => ({
  value,
  unit,
  source: `ClickBench results at commit ${CLICKBENCH.commit.slice(0, 8)} (${CLICKBENCH.machine})`,
  url: "https://github.com/ClickHouse/ClickBench",
  date: "2025-11-01",
  note,
});

/** Numbers from other benchmarks and vendors. */
export const EXTERNAL: Readonly<Record<string, Cited>> = {
  clickbench_pg_hot: clickbench(
    1840,
    "×",
    "PostgreSQL (plain heap, no indexes) / ClickHouse, hot runs, by ClickBench's summary rule " +
      "(geometric mean over queries of (t + 10 ms) ratios)",
  ),
  clickbench_pg_indexed_hot: clickbench(
    19.4,
    "×",
    "PostgreSQL with indexes (tuned) / ClickHouse, hot runs",
  ),
  clickbench_timescale_hot: clickbench(
    11.4,
    "×",
    "TimescaleDB (columnstore) / ClickHouse, hot runs",
  ),
  clickbench_pg_gb: clickbench(106.5, "GB", "PostgreSQL's table on disk"),
  clickbench_ch_gb: clickbench(15.3, "GB", "ClickHouse's table on disk"),
  clickbench_bytes_ratio: clickbench(
    6.97,
    "×",
    "PostgreSQL bytes / ClickHouse bytes (106.5 / 15.3 GB)",
  ),
  jepsen_galera_loss_scenarios: {
    value: 2,
    unit: "",
    decimals: 0,
    source: "Jepsen, MariaDB Galera Cluster 12.1.2 (Kyle Kingsbury), versions 12.1.2–12.2.2",
    url: "https://jepsen.io/blog/2026-03-16-mariadb-galera-cluster-12.1.2",
    date: "2026-03-15",
    note: "scenarios that lost committed transactions: nodes crashing in quick succession under " +
      "the recommended settings (no flush before acknowledgement), and process crashes with " +
      "network partitions; the same analysis found P4 (lost update) without faults",
  },
  jepsen_redis_lost_pct: {
    value: 56,
    unit: "%",
    decimals: 0,
    source: "Jepsen: Redis (Kyle Kingsbury, Call me maybe), Redis Sentinel of 2013",
    url: "https://aphyr.com/posts/283-jepsen-redis",
    date: "2013-05-18",
    note: "acknowledged writes lost when a five-node Sentinel cluster's primary, cut off with " +
      "one replica from the majority, kept acknowledging until its demotion at the heal",
  },
};

/** Requirements the platform's brief sets (not measurements). */
export const REQUIREMENTS: Readonly<Record<string, Cited>> = {
  search_p99_ms: {
    value: 200,
    unit: "ms",
    source: "the platform's requirements (seed brief)",
    url: "",
    date: "2026-11-25",
    note: "product searches answer in under 200 ms (read as the 99th percentile)",
  },
  // The brief sets only the search limit; these are the targets this record proposes, so
  // every other service level has a number to be held against (not measurements).
  checkout_p99_ms: proposed(
    100,
    "ms",
    "the checkout's database transaction, 99th percentile: a tenth of a one-second page budget",
  ),
  replica_lag_p99_ms: proposed(
    1000,
    "ms",
    "catalog reads from replicas: a price or stock badge at most a second old",
  ),
  orders_rto_s: proposed(30, "s", "orders writable again after the primary's host fails"),
  orders_rpo_writes: proposed(
    0,
    "",
    "acknowledged order writes lost when the primary's host fails",
  ),
};

/** A service level this record proposes where the brief sets none. */
function proposed(value: number, unit: string, note: string): Cited {
  return {
    value,
    unit,
    source: "proposed by this record (the brief sets only the search limit)",
    url: "",
    date: "2026-12-02",
    note,
  };
}

function show(c: Cited): string {
  return formatNumber(c.value, { decimals: c.decimals, unit: c.unit || undefined }).replace(
    " ×",
    "×",
  );
}

/** Every cited number as an ADR figure: `external.<id>` and `requirement.<id>`. */
export const citedFigures: FigureSet = Object.fromEntries([
  ...Object.entries(EXTERNAL).map(([id, c]) => [`external.${id}`, () => show(c)]),
  ...Object.entries(REQUIREMENTS).map(([id, c]) => [`requirement.${id}`, () => show(c)]),
]);

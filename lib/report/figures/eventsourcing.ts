/**
 * The ADR's figures from the event-sourcing experiment's committed rows
 * (lib/experiments/eventsourcing/summary.ts computes; this file phrases the numbers D5 cites).
 *
 * @module
 */

import { type FigureSet, formatNumber, formatPercent } from "../../results/figure.ts";
import { formatMean, SINGLE_RUN } from "./spread.ts";
import type { ResultRow } from "../../results/mod.ts";
import type { Summary } from "../../stats/summary.ts";
import * as S from "../../experiments/eventsourcing/summary.ts";

const STORE = "eventsourcing_store.csv";
const FEEDS = "eventsourcing_feeds.csv";
const REBUILD = "eventsourcing_rebuild.csv";
const FAULTS = "eventsourcing_faults.csv";
const SAGA = "eventsourcing_saga.csv";

type Data = Parameters<FigureSet[string]>[0];
type Rows = readonly ResultRow[];

const ms = (v: number, decimals?: number) => formatNumber(v, { decimals, unit: "ms" });
const spread = (s: Summary, f: (v: number) => string) => formatMean(s, f);
/** A measured rate: its mean, interval and the repetitions' spread (issue 19). */
const rate = (s: Summary, f: (v: number) => string) => formatMean(s, f, { spread: true });
const ops = (v: number) => formatNumber(v, { decimals: 0, unit: "ops/s" });
const eps = (v: number) => formatNumber(v, { decimals: 0, unit: "events/s" });
const on = (file: string, f: (rows: Rows) => string) => async (d: Data) => f(await d.rows(file));
const newFaultSum = (r: Rows, metric: string) =>
  r.some((x) => x.metric === metric) ? String(S.faultSum(r, metric, "faults")) : "?";
const x = (v: number) => `${formatNumber(v, { decimals: 1 })}×`;

const FEED_NAMES = ["poll", "notify", "nats"] as const;

/** D5's figures. */
export const eventsourcingFigures: FigureSet = {
  "es.repetitions": on(
    STORE,
    (r) => String(new Set(r.filter((x) => x.part === "lifecycle").map((x) => x.repetition)).size),
  ),
  "es.lifecycle_events": on(STORE, (r) => rate(S.lifecycle(r, "throughput", "events"), ops)),
  "es.lifecycle_crud": on(STORE, (r) => rate(S.lifecycle(r, "throughput", "crud"), ops)),
  "es.lifecycle_ratio": on(
    STORE,
    (r) =>
      `CRUD ${
        x(S.lifecycle(r, "throughput", "crud").mean / S.lifecycle(r, "throughput", "events").mean)
      } the event store's throughput`,
  ),
  ...Object.fromEntries(
    ["place", "pay", "cancel", "read"].flatMap((op) =>
      ["events", "crud"].map((mode) => [
        `es.p99_${op}_${mode}`,
        on(STORE, (r) => spread(S.lifecycle(r, "latency_p99", mode, op), (v) => ms(v))),
      ])
    ),
  ),
  "es.bytes_events": on(
    STORE,
    (r) =>
      formatNumber(S.footprint(r, "bytes_per_order", "events").mean, {
        decimals: 0,
        unit: "bytes",
      }),
  ),
  "es.bytes_crud": on(
    STORE,
    (r) =>
      formatNumber(S.footprint(r, "bytes_per_order", "crud").mean, { decimals: 0, unit: "bytes" }),
  ),
  "es.events_per_order": on(
    STORE,
    (r) => formatNumber(S.footprint(r, "rows_per_order", "events").mean, { decimals: 1 }),
  ),
  "es.hot1_conflicts": on(
    STORE,
    (r) => formatNumber(S.hot(r, "conflicts_per_op", "events", 1).mean, { decimals: 2 }),
  ),
  "es.hot_many_conflicts": on(STORE, (r) => {
    const n = Math.max(...r.filter((x) => x.part === "hot").map((x) => Number(x.hot_streams)));
    return `${
      formatNumber(S.hot(r, "conflicts_per_op", "events", n).mean, { decimals: 3 })
    } over ${n} products`;
  }),
  "es.poll_ms": on(FEEDS, (r) => ms(S.ryow(r, "poll_ms", "poll").mean, 0)),
  "es.decline_rate": on(
    SAGA,
    (r) => formatPercent(S.sagaVerdict(r, "decline_rate", S.timeoutRates(r)[0]).mean, 0),
  ),
  "es.hot1_events": on(STORE, (r) => rate(S.hot(r, "throughput", "events", 1), ops)),
  "es.hot1_crud": on(STORE, (r) => rate(S.hot(r, "throughput", "crud", 1), ops)),
  "es.hot1_p99_events": on(
    STORE,
    (r) => spread(S.hot(r, "latency_p99", "events", 1), (v) => ms(v)),
  ),
  "es.hot1_p99_crud": on(STORE, (r) => spread(S.hot(r, "latency_p99", "crud", 1), (v) => ms(v))),
  ...Object.fromEntries(FEED_NAMES.flatMap((f) => [
    [`es.lag_p50_${f}`, on(FEEDS, (r) => spread(S.lag(r, "lag_p50", f), (v) => ms(v)))],
    [`es.lag_p99_${f}`, on(FEEDS, (r) => spread(S.lag(r, "lag_p99", f), (v) => ms(v)))],
    [`es.ceiling_${f}`, on(FEEDS, (r) => rate(S.ceiling(r, f), eps))],
    [`es.ryow_miss_${f}`, on(FEEDS, (r) => formatPercent(S.ryow(r, "miss_rate", f).mean, 1))],
    [
      `es.token_wait_p99_${f}`,
      on(FEEDS, (r) => spread(S.ryow(r, "token_wait_p99", f), (v) => ms(v))),
    ],
  ])),
  "es.notify_vs_poll": on(
    FEEDS,
    (r) => x(S.lag(r, "lag_p50", "notify").mean / S.lag(r, "lag_p50", "poll").mean),
  ),
  "es.nats_vs_poll": on(
    FEEDS,
    (r) => x(S.lag(r, "lag_p50", "nats").mean / S.lag(r, "lag_p50", "poll").mean),
  ),
  "es.ceiling_relay": on(FEEDS, (r) => rate(S.ceiling(r, "nats", "relay"), eps)),
  "es.write_side_read_p50": on(
    FEEDS,
    (r) => spread(S.ryow(r, "write_side_read_p50", "poll"), (v) => ms(v)),
  ),
  "es.rebuild_events": on(
    REBUILD,
    (r) => formatNumber(S.rebuildSizes(r).at(-1)!, { decimals: 0 }),
  ),
  ...Object.fromEntries(["order_status", "sales", "storefront"].flatMap((p) => [
    [
      `es.rebuild_s_${p}`,
      on(REBUILD, (r) => formatNumber(S.rebuild(r, "rebuild_s", p).value, { unit: "s" })),
    ],
    // One timed rebuild per size (S.rebuild reads one row): a measurement without a spread.
    [
      `es.rebuild_rate_${p}`,
      on(REBUILD, (r) => `${eps(S.rebuild(r, "events_per_s", p).value)} (${SINGLE_RUN})`),
    ],
  ])),
  "es.snapshot_policy": on(
    REBUILD,
    (r) => S.snapshotPolicy(r).replace("every_", "every ") + " events",
  ),
  "es.long_length": on(REBUILD, (r) => formatNumber(S.snapshotLengths(r).at(-1)!, { decimals: 0 })),
  "es.load_long_none": on(
    REBUILD,
    (r) => ms(S.snapshotLoad(r, S.snapshotLengths(r).at(-1)!, "none").mean),
  ),
  "es.load_long_snap": on(
    REBUILD,
    (r) => ms(S.snapshotLoad(r, S.snapshotLengths(r).at(-1)!, S.snapshotPolicy(r)).mean),
  ),
  "es.load_short_none": on(
    REBUILD,
    (r) =>
      S.snapshotLengths(r).slice(0, -1).map((n) =>
        `${ms(S.snapshotLoad(r, n, "none").mean)} at ${formatNumber(n, { decimals: 0 })} events`
      ).join(", "),
  ),
  "es.faults_valid": on(FAULTS, (r) => {
    const t = S.faultTally(r);
    return `${t.valid} of ${t.checked}`;
  }),
  "es.faults_crashes": on(FAULTS, (r) => String(S.faultSum(r, "crashes", "faults"))),
  "es.faults_duplicates": on(
    FAULTS,
    (r) => formatNumber(S.faultSum(r, "duplicates_skipped", "faults"), { decimals: 0 }),
  ),
  // Runs from before the relay ran as a process carry neither metric: "?" until re-measured.
  "es.faults_sigkill": on(FAULTS, (r) => newFaultSum(r, "crashes_sigkill")),
  "es.faults_relay_held": on(FAULTS, (r) => newFaultSum(r, "relay_killed_after_publish")),
  "es.faults_relay_dups": on(
    FAULTS,
    (r) => String(S.faultSum(r, "relay_duplicates_dropped", "faults")),
  ),
  "es.faults_lost": on(
    FAULTS,
    (r) => String(S.faultSum(r, "missing") + S.faultSum(r, "phantom") + S.faultSum(r, "differing")),
  ),
  "es.saga_valid": on(SAGA, (r) => {
    const t = S.sagaTally(r);
    return `${t.valid} of ${t.runs}`;
  }),
  "es.saga_timeouts": on(SAGA, (r) => S.timeoutRates(r).map((t) => formatPercent(t, 0)).join(", ")),
  "es.saga_crashed": on(
    SAGA,
    (r) =>
      formatNumber(
        S.timeoutRates(r).reduce((n, t) => n + S.sagaVerdict(r, "crashed", t).mean, 0),
        { decimals: 0 },
      ) + " per repetition",
  ),
  "es.saga_max_ms": on(
    SAGA,
    (r) =>
      ms(Math.max(...S.timeoutRates(r).map((t) => S.sagaVerdict(r, "max_duration_ms", t).mean)), 0),
  ),
  "es.saga_bound_ms": on(
    SAGA,
    (r) => ms(S.sagaVerdict(r, "bound_ms", S.timeoutRates(r)[0]).mean, 0),
  ),
  "es.saga_compensated_share": on(SAGA, (r) => {
    const t = S.timeoutRates(r).at(-1)!;
    return `${
      formatPercent(S.sagaVerdict(r, "compensated", t).mean / S.sagaVerdict(r, "sagas", t).mean, 1)
    } at ${formatPercent(t, 0)} timeouts`;
  }),
  "es.saga_p50": on(SAGA, (r) => spread(S.checkout(r, "latency_p50", "saga", 0), (v) => ms(v))),
  "es.saga_p99": on(SAGA, (r) => spread(S.checkout(r, "latency_p99", "saga", 0), (v) => ms(v))),
  "es.acid_p50": on(SAGA, (r) => spread(S.checkout(r, "latency_p50", "acid", 0), (v) => ms(v))),
  "es.acid_p99": on(SAGA, (r) => spread(S.checkout(r, "latency_p99", "acid", 0), (v) => ms(v))),
  "es.saga_tput": on(SAGA, (r) => rate(S.checkout(r, "throughput", "saga", 0), ops)),
  "es.acid_tput": on(SAGA, (r) => rate(S.checkout(r, "throughput", "acid", 0), ops)),
  "es.saga_cost": on(
    SAGA,
    (r) =>
      x(S.checkout(r, "throughput", "acid", 0).mean / S.checkout(r, "throughput", "saga", 0).mean),
  ),
  "es.skipped": async (d) => {
    const all = [STORE, FEEDS, REBUILD, FAULTS, SAGA];
    const rows = (await Promise.all(all.map((f) => d.rows(f)))).flat();
    const s = S.skipped(rows);
    return s.length === 0 ? "none" : s.map((x) => `${x.engine} (${x.reason})`).join("; ");
  },
};

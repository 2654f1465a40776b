/**
 * The rows of the record's requirements table and CAP-per-domain table (./record.ts renders
 * them): which committed measurement answers each requirement, and which fault experiment
 * shows each data domain's behaviour. Experiments that land later add their rows here.
 *
 * @module
 */

import { formatNumber, formatPercent } from "../../results/figure.ts";
import { pointAt } from "../../experiments/oltp/summary.ts";
import { invariantTally } from "../../experiments/oltp/summary.ts";
import { modeValue, rates } from "../../experiments/replication/summary.ts";
import { lossPoints, staleAt } from "../../experiments/cache/summary.ts";
import { aggregate } from "../../experiments/failover/summary.ts";
import { cachedBinding, latencyAt, referenceRate } from "../../experiments/search/summary.ts";
import type { CapRow, SloRow } from "./record.ts";

const ms = (v: number, decimals = 1) => `${formatNumber(v, { decimals })} ms`;
const REPL = "replication.csv";
const HA = "failover.csv";
const lostOf = (
  rows: Parameters<typeof aggregate>[0],
  store: string,
  mode: string,
  fault: string,
) => ({
  lost: aggregate(rows, store, mode, fault, "lost_acked_writes").sum,
  acked: aggregate(rows, store, mode, fault, "acked_writes").sum,
});
const lowestRate = (rows: Parameters<typeof rates>[0]) => rates(rows)[0];

/** Requirements against measurements. */
export const SLO_ROWS: readonly SloRow[] = [
  {
    what: "product search p99, the engine the cache fronts, at the rate every engine was compared",
    requirement: "search_p99_ms",
    table: "search_latency.csv",
    bound: "max",
    notebook: "09-product-search",
    async measured(d) {
      const head = await d.rows("search_headroom.csv");
      const b = cachedBinding(head);
      if (!b) throw new Error("search: no binding was cached");
      const rate = referenceRate(head);
      const v = latencyAt(await d.rows("search_latency.csv"), b, rate).mean;
      return { value: v, text: `${ms(v)} (${b}, ${rate} requests/s)` };
    },
  },
  {
    what: "checkout transaction p99 (PostgreSQL, READ COMMITTED, 16 clients)",
    requirement: "checkout_p99_ms",
    table: "oltp_throughput.csv",
    bound: "max",
    notebook: "01-oltp-throughput",
    async measured(d) {
      const p = pointAt(
        await d.rows("oltp_throughput.csv"),
        "latency_p99",
        "checkout",
        "postgres",
        "read committed",
        16,
      );
      return { value: p.mean, text: ms(p.mean) };
    },
  },
  {
    what: "catalog read replica lag p99 (PostgreSQL asynchronous)",
    requirement: "replica_lag_p99_ms",
    table: REPL,
    bound: "max",
    notebook: "04-replication-lag",
    async measured(d) {
      const rows = await d.rows(REPL);
      const v = modeValue(rows, "client_lag_p99", "pg_async", {
        phase: "lag",
        rate: lowestRate(rows),
        node: "replica1",
      });
      return { value: v, text: ms(v) };
    },
  },
  {
    what: "orders writable again after kill -9 of the primary (Patroni `synchronous_mode`)",
    requirement: "orders_rto_s",
    table: HA,
    bound: "max",
    notebook: "08-failover-partitions",
    async measured(d) {
      const a = aggregate(await d.rows(HA), "patroni", "sync", "kill", "unavailable_ms");
      return {
        value: a.max / 1000,
        text: `${formatNumber(a.max / 1000, { decimals: 1 })} s (worst of ${a.n})`,
      };
    },
  },
  {
    what:
      "acknowledged order writes lost: kill -9 and partition of the primary (`synchronous_mode`)",
    requirement: "orders_rpo_writes",
    table: HA,
    bound: "max",
    notebook: "08-failover-partitions",
    async measured(d) {
      const rows = await d.rows(HA);
      const k = lostOf(rows, "patroni", "sync", "kill");
      const p = lostOf(rows, "patroni", "sync", "partition");
      const lost = k.lost + p.lost;
      return {
        value: lost,
        text: `${lost} of ${formatNumber(k.acked + p.acked, { decimals: 0 })}`,
      };
    },
  },
];

/** Data domains, their CAP choice, and what the fault experiments measured. */
export const CAP_ROWS: readonly CapRow[] = [
  {
    domain: "orders, payments",
    choice: "CP: refuse or wait rather than acknowledge a write a failover can lose",
    store: "PostgreSQL, synchronous standby (`remote_apply`)",
    behaviour: [{
      table: REPL,
      async text(d) {
        const rows = await d.rows(REPL);
        const acked = modeValue(rows, "acked_during_pause", "pg_remote_apply", { phase: "pause" });
        const stall = modeValue(rows, "max_commit_latency", "pg_remote_apply", { phase: "pause" });
        return `replicas stopped: ${acked} writes acknowledged, commits waited up to ${
          ms(stall, 0)
        }`;
      },
    }, {
      table: HA,
      async text(d) {
        const l = lostOf(await d.rows(HA), "patroni", "sync", "partition");
        return `primary partitioned (Patroni \`synchronous_mode\`): ${l.lost} of ${l.acked} acknowledged writes lost`;
      },
    }],
  },
  {
    domain: "stock",
    choice: "CP: one primary, guarded decrement in the order's transaction",
    store: "PostgreSQL (with the orders)",
    behaviour: [{
      table: "oltp_throughput.csv",
      async text(d) {
        const t = invariantTally(await d.rows("oltp_throughput.csv"));
        return `stock invariant violated in ${t.violated} of ${t.runs} runs`;
      },
    }],
  },
  {
    domain: "catalog",
    choice: "AP: serve possibly stale copies, converge within the lag",
    store: "PostgreSQL asynchronous replicas + cache",
    behaviour: [
      {
        table: REPL,
        async text(d) {
          const rows = await d.rows(REPL);
          const acked = modeValue(rows, "acked_during_pause", "pg_async", { phase: "pause" });
          return `replicas stopped: ${acked} writes still acknowledged`;
        },
      },
      {
        table: HA,
        async text(d) {
          const l = lostOf(await d.rows(HA), "patroni", "async", "partition");
          return `primary partitioned (Patroni asynchronous): ${l.lost} of ${l.acked} acknowledged writes lost after the heal`;
        },
      },
      {
        table: "cache_consistency.csv",
        async text(d) {
          const s = staleAt(await d.rows("cache_consistency.csv"), "redis", "delete_on_write");
          return `Redis delete-on-write cache: ${formatPercent(s.mean)} stale reads`;
        },
      },
    ],
  },
  {
    domain: "sessions, carts",
    choice: "available: keep serving; a lost session costs a re-login, not money",
    store: "Redis with AOF `everysec`",
    behaviour: [{
      table: "cache_sessions.csv",
      async text(d) {
        const loss = lossPoints(await d.rows("cache_sessions.csv"));
        const at = (persistence: string, restart: string) =>
          loss.find((p) =>
            p.key.engine === "redis" && p.key.persistence === persistence &&
            p.key.restart === restart
          );
        const aof = at("aof_everysec", "crash");
        const none = at("none", "crash");
        return `kill -9 and restart: ${aof ? formatPercent(aof.mean) : "–"} of sessions lost ` +
          `with AOF, ${none ? formatPercent(none.mean) : "–"} without persistence`;
      },
    }, {
      table: HA,
      async text(d) {
        const rows = await d.rows(HA);
        const a = aggregate(rows, "redis-sentinel", "no_wait", "kill", "unavailable_ms");
        const l = lostOf(rows, "redis-sentinel", "no_wait", "kill");
        return `Sentinel failover after kill -9: writes back in ${
          formatNumber(a.mean / 1000, { decimals: 1 })
        } s, ${l.lost} of ${l.acked} acknowledged writes lost`;
      },
    }, {
      table: HA,
      async text(d) {
        const rows = await d.rows(HA);
        const l = lostOf(rows, "redis-sentinel", "no_wait", "partition");
        const m = lostOf(rows, "redis-sentinel", "min_replicas", "partition");
        return `primary partitioned (Sentinel, no \`WAIT\`): ${l.lost} of ${l.acked} acknowledged ` +
          `writes lost after the heal (with \`min-replicas-to-write 1\`: ${m.lost} of ${m.acked})`;
      },
    }],
  },
];

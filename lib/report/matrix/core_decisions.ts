/**
 * The matrix rows of D1–D4 (stores and consistency), scored from the committed data of
 * experiments 01–04. Rules are stated with each score; a judgement is marked and says why
 * (an option that cannot run here, or a property no experiment measures).
 *
 * @module
 */

import type { FigureData } from "../../results/figure.ts";
import type { ResultRow } from "../../results/mod.ts";
import { invariantTally, peak } from "../../experiments/oltp/summary.ts";
import { hitAt, latencyAt, lossPoints, staleAt } from "../../experiments/cache/summary.ts";
import { clickbenchRatio, commonSize, loadPoints } from "../../experiments/analytics/summary.ts";
import { modeValue, rates } from "../../experiments/replication/summary.ts";
import {
  type DecisionSpec,
  judged,
  measured,
  ratioScore,
  type Score,
  shareScore,
} from "./matrix.ts";

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** D1: the orders store. */
export const d1: DecisionSpec = {
  id: "D1",
  title: "Relational/OLTP store",
  options: ["PostgreSQL", "MariaDB", "CockroachDB"],
  async scores(d: FigureData) {
    const rows = await d.rows("oltp_throughput.csv");
    const pg = peak(rows, "postgres", "read committed").mean;
    const maria = peak(rows, "mariadb", "read committed").mean;
    const best = Math.max(pg, maria);
    const t = invariantTally(rows);
    const inv = (engine: string) => {
      const runs = rows.filter((r) => r.metric === "invariant_valid" && r.engine === engine);
      return runs.filter((r) => r.value !== 1).length / Math.max(1, runs.length);
    };
    const repl = await d.rows("replication.csv");
    const lostOnPause = (mode: string) =>
      modeValue(repl, "acked_during_pause", mode, { phase: "pause" });
    return [
      measured(
        "PostgreSQL",
        "consistency",
        shareScore(inv("postgres"), 0.05),
        `5 − 4 × (runs violating the stock invariant / 5 %); ${t.runs} runs judged`,
      ),
      measured(
        "MariaDB",
        "consistency",
        shareScore(inv("mariadb"), 0.05),
        `5 − 4 × (runs violating the stock invariant / 5 %); ${t.runs} runs judged`,
      ),
      judged(
        "CockroachDB",
        "consistency",
        5,
        "not runnable here; SERIALIZABLE by default (no weaker level unless enabled)",
      ),
      measured(
        "PostgreSQL",
        "performance",
        ratioScore(pg / best),
        `1 + 4 × peak READ COMMITTED throughput / the best engine's (${pg.toFixed(0)} ops/s)`,
      ),
      measured(
        "MariaDB",
        "performance",
        ratioScore(maria / best),
        `1 + 4 × peak READ COMMITTED throughput / the best engine's (${maria.toFixed(0)} ops/s)`,
      ),
      judged(
        "CockroachDB",
        "performance",
        2,
        "not measured here; every commit is a Raft round trip, slower than a local commit on one node",
      ),
      judged(
        "PostgreSQL",
        "scalability",
        3,
        "one writable primary; read replicas (D4) and sharding by the application (D6)",
      ),
      judged(
        "MariaDB",
        "scalability",
        3,
        "one writable primary; read replicas (D4) and sharding by the application (D6)",
      ),
      judged(
        "CockroachDB",
        "scalability",
        5,
        "horizontal by design: ranges split and move between nodes",
      ),
      measured(
        "PostgreSQL",
        "reliability",
        shareScore(lostOnPause("pg_on") / 200, 1),
        "5 − 4 × share of writes acknowledged while every replica was stopped, in its synchronous mode (an acknowledgement a failover can lose)",
      ),
      measured(
        "MariaDB",
        "reliability",
        shareScore(lostOnPause("mariadb_semisync") / 200, 1),
        "5 − 4 × share of writes acknowledged while every replica was stopped, semi-synchronous",
      ),
      judged(
        "CockroachDB",
        "reliability",
        5,
        "not runnable here; a write commits on a Raft majority",
      ),
      judged(
        "PostgreSQL",
        "operations",
        4,
        "one server process per node, mature tooling (pgBackRest, Patroni); needs a pooler",
      ),
      judged(
        "MariaDB",
        "operations",
        4,
        "one server process per node, mature tooling (mariadb-backup, Galera)",
      ),
      judged(
        "CockroachDB",
        "operations",
        3,
        "a cluster of at least three nodes to be useful; tooling new to the team",
      ),
      judged("PostgreSQL", "cost", 5, "PostgreSQL licence (permissive), no paid tier needed"),
      judged("MariaDB", "cost", 5, "GPLv2 server, no paid tier needed"),
      judged(
        "CockroachDB",
        "cost",
        2,
        "source-available licence; enterprise licence required above its free tier",
      ),
    ];
  },
};

/** D2: the caching layer (hit ratio at 10 % of the hot set, s = 0.99). */
export const d2: DecisionSpec = {
  id: "D2",
  title: "Caching layer",
  options: ["Redis", "Memcached", "Hazelcast"],
  async scores(d: FigureData) {
    const hit = await d.rows("cache_hit_ratio.csv");
    const cons = await d.rows("cache_consistency.csv");
    const sess = await d.rows("cache_sessions.csv");
    const ran = (engine: string) =>
      hit.some((r) => r.engine === engine && r.metric === "hit_ratio");
    const ratio = (engine: string, policy: string) => hitAt(hit, engine, policy, "0.99", "10").mean;
    const scores: Score[] = [];
    // The criterion is "throughput and latency": the hit ratio (database load avoided) and the
    // hit latency p99 (what a page waits) count half each.
    const p99 = (engine: string, policy: string) =>
      latencyAt(hit, "latency_p99", "hit", engine, policy, "10").mean;
    const caches: [string, string, string][] = [
      ["Redis", "redis", "allkeys-lfu"],
      ["Memcached", "memcached", "lru"],
      ...(ran("hazelcast") ? [["Hazelcast", "hazelcast", "lfu"] as [string, string, string]] : []),
    ];
    const best = Math.max(...caches.map(([, e, p]) => ratio(e, p)));
    const fastest = Math.min(...caches.map(([, e, p]) => p99(e, p)));
    for (const [option, engine, policy] of caches) {
      const score = (ratioScore(ratio(engine, policy) / best) +
        ratioScore(fastest / p99(engine, policy))) / 2;
      scores.push(
        measured(
          option,
          "performance",
          Math.round(score * 10) / 10,
          "mean of 1 + 4 × hit ratio / the best cache's and 1 + 4 × lowest hit p99 / this " +
            `cache's, at 10 % of the hot set (s = 0.99), its best policy (hit p99 ${
              p99(engine, policy).toFixed(2)
            } ms)`,
        ),
      );
    }
    if (!ran("hazelcast")) scores.push(judged("Hazelcast", "performance", 3, "not measured here"));
    const stale = (engine: string) => {
      try {
        return staleAt(cons, engine, "delete_on_write").mean;
      } catch {
        return undefined;
      }
    };
    for (
      const [option, engine] of [["Redis", "redis"], ["Memcached", "memcached"], [
        "Hazelcast",
        "hazelcast",
      ]]
    ) {
      const s = stale(engine);
      scores.push(
        s === undefined
          ? judged(
            option,
            "consistency",
            4,
            "not measured here; delete-on-write behaves as on the others",
          )
          : measured(
            option,
            "consistency",
            shareScore(s, 0.01),
            `5 − 4 × stale-read share with delete-on-write / 1 % (${pct(s)})`,
          ),
      );
    }
    const lost = (engine: string) => {
      const pts = lossPoints(sess).filter((p) =>
        p.key.engine === engine && p.key.restart === "crash"
      );
      return pts.length ? Math.min(...pts.map((p) => p.mean)) : undefined;
    };
    for (
      const [option, engine] of [["Redis", "redis"], ["Memcached", "memcached"], [
        "Hazelcast",
        "hazelcast",
      ]]
    ) {
      const l = lost(engine);
      scores.push(
        l === undefined ? judged(option, "reliability", 3, "not measured here") : measured(
          option,
          "reliability",
          shareScore(l, 1),
          `5 − 4 × share of sessions lost by a crash restart, best persistence mode (${pct(l)})`,
        ),
      );
    }
    scores.push(judged("Redis", "scalability", 4, "Redis Cluster shards keys over primaries (D6)"));
    scores.push(judged("Memcached", "scalability", 4, "client-side sharding over a pool (D6)"));
    scores.push(
      judged("Hazelcast", "scalability", 5, "partitions spread and migrate across members"),
    );
    scores.push(
      judged("Redis", "operations", 4, "one process; persistence and replication built in"),
    );
    scores.push(judged("Memcached", "operations", 5, "one process, nothing to persist or tune"));
    scores.push(
      judged("Hazelcast", "operations", 3, "a JVM cluster: heap sizing, member discovery"),
    );
    scores.push(
      judged(
        "Redis",
        "cost",
        4,
        "Redis 7 is BSD; later releases changed licence (Valkey keeps BSD)",
      ),
    );
    scores.push(judged("Memcached", "cost", 5, "BSD licence"));
    scores.push(
      judged("Hazelcast", "cost", 4, "Apache 2 community edition; some features enterprise-only"),
    );
    return scores;
  },
};

/** D3: the analytics store. */
export const d3: DecisionSpec = {
  id: "D3",
  title: "Analytics store",
  options: ["ClickHouse", "PostgreSQL (BRIN)", "InfluxDB", "TimescaleDB"],
  async scores(d: FigureData) {
    const rows = await d.rows("analytics_aggregation.csv");
    const n = commonSize(rows);
    const speed = (store: string) => 1 / clickbenchRatio(rows, store, "chdb", n).ratio;
    const bytes = (store: string) =>
      loadPoints(rows).filter((p) => p.store === store && p.rows === n)[0]?.bytesPerRow;
    const ranTs = rows.some((r) => r.store === "timescaledb" && r.metric === "rows_loaded");
    const answered = (store: string) => {
      const checks = rows.filter((r) => r.store === store && r.metric === "answer_match");
      return checks.filter((r) => r.value !== 1).length / Math.max(1, checks.length);
    };
    const speedRule = "1 + 4 × ClickBench-style hot geomean speed relative to ClickHouse (chDB)";
    const scores: Score[] = [
      measured("ClickHouse", "performance", ratioScore(1), speedRule),
      measured("PostgreSQL (BRIN)", "performance", ratioScore(speed("postgres-brin")), speedRule),
      measured(
        "InfluxDB",
        "performance",
        ratioScore(speed("influxdb")),
        `${speedRule}, on the queries InfluxQL expresses`,
      ),
      ranTs
        ? measured("TimescaleDB", "performance", ratioScore(speed("timescaledb")), speedRule)
        : judged(
          "TimescaleDB",
          "performance",
          2,
          "not runnable here; ClickBench (external) puts it about an order of magnitude behind ClickHouse",
        ),
    ];
    const chBytes = bytes("chdb") ?? 1;
    const bytesRule =
      "1 + 4 × ClickHouse's bytes per row / its bytes per row (growth of storage with data)";
    scores.push(measured("ClickHouse", "scalability", ratioScore(1), bytesRule));
    scores.push(
      measured(
        "PostgreSQL (BRIN)",
        "scalability",
        ratioScore(chBytes / (bytes("postgres-brin") ?? Infinity)),
        bytesRule,
      ),
    );
    scores.push(
      measured(
        "InfluxDB",
        "scalability",
        ratioScore(chBytes / (bytes("influxdb") ?? Infinity)),
        bytesRule,
      ),
    );
    scores.push(
      ranTs
        ? measured(
          "TimescaleDB",
          "scalability",
          ratioScore(chBytes / (bytes("timescaledb") ?? Infinity)),
          bytesRule,
        )
        : judged("TimescaleDB", "scalability", 3, "not runnable here; compressed hypertables"),
    );
    const ansRule = "5 − 4 × share of answers differing from the reference / 25 %";
    for (
      const [option, store] of [["ClickHouse", "chdb"], ["PostgreSQL (BRIN)", "postgres-brin"], [
        "InfluxDB",
        "influxdb",
      ]]
    ) {
      scores.push(measured(option, "consistency", shareScore(answered(store), 0.25), ansRule));
    }
    scores.push(
      ranTs
        ? measured("TimescaleDB", "consistency", shareScore(answered("timescaledb"), 0.25), ansRule)
        : judged("TimescaleDB", "consistency", 5, "not runnable here; PostgreSQL's SQL"),
    );
    scores.push(
      judged(
        "ClickHouse",
        "reliability",
        4,
        "replicated MergeTree in production; rebuildable from PostgreSQL (D7)",
      ),
    );
    scores.push(
      judged(
        "PostgreSQL (BRIN)",
        "reliability",
        5,
        "the system of record's own engine and backups",
      ),
    );
    scores.push(judged("InfluxDB", "reliability", 3, "open-source 1.x has no clustering"));
    scores.push(judged("TimescaleDB", "reliability", 5, "PostgreSQL's replication and backups"));
    scores.push(
      judged("ClickHouse", "operations", 3, "a second engine and a feed from PostgreSQL"),
    );
    scores.push(judged("PostgreSQL (BRIN)", "operations", 5, "nothing new to run"));
    scores.push(judged("InfluxDB", "operations", 3, "a second engine, InfluxQL instead of SQL"));
    scores.push(judged("TimescaleDB", "operations", 4, "an extension of the engine already run"));
    scores.push(judged("ClickHouse", "cost", 5, "Apache 2"));
    scores.push(judged("PostgreSQL (BRIN)", "cost", 5, "PostgreSQL licence"));
    scores.push(judged("InfluxDB", "cost", 4, "MIT for 1.x; clustering is commercial"));
    scores.push(
      judged("TimescaleDB", "cost", 3, "compression is under the Timescale licence, not Apache 2"),
    );
    return scores;
  },
};

/** The consistency rule of the PostgreSQL replication modes for D4 (orders' store). */
function ryw(rows: readonly ResultRow[], mode: string): number {
  return modeValue(rows, "ryw_violation_rate", mode, { phase: "probe", delay_ms: 0 });
}

/** D4: how orders are replicated (the domain where the choice matters most). */
export const d4: DecisionSpec = {
  id: "D4",
  title: "Replication for orders",
  options: ["asynchronous", "synchronous on", "synchronous remote_apply"],
  async scores(d: FigureData) {
    const rows = await d.rows("replication.csv");
    const mode: Record<string, string> = {
      asynchronous: "pg_async",
      "synchronous on": "pg_on",
      "synchronous remote_apply": "pg_remote_apply",
    };
    const scores: Score[] = [];
    const p50 = (m: string) =>
      modeValue(rows, "latency_p50", m, { phase: "lag", op: "all", rate: rates(rows)[0] });
    const fastest = Math.min(...Object.values(mode).map(p50));
    for (const [option, m] of Object.entries(mode)) {
      scores.push(
        measured(
          option,
          "consistency",
          shareScore(ryw(rows, m), 0.5),
          "5 − 4 × share of replica reads 0 ms after the write that miss it / 50 %",
        ),
      );
      scores.push(
        measured(
          option,
          "performance",
          ratioScore(fastest / p50(m)),
          "1 + 4 × the fastest mode's commit p50 / this mode's",
        ),
      );
      scores.push(
        measured(
          option,
          "reliability",
          shareScore(modeValue(rows, "acked_during_pause", m, { phase: "pause" }) / 200, 1),
          "5 − 4 × share of writes acknowledged while the replicas were stopped (lost if the primary then fails)",
        ),
      );
      scores.push(judged(option, "scalability", 4, "replicas serve reads in every mode"));
      scores.push(
        judged(
          option,
          "operations",
          m === "pg_async" ? 4 : 3,
          m === "pg_async"
            ? "nothing waits on a standby"
            : "a stopped standby stalls commits: needs two standbys with ANY 1 and commit timeouts",
        ),
      );
      scores.push(
        judged(
          option,
          "cost",
          m === "pg_async" ? 5 : 4,
          m === "pg_async" ? "one standby" : "two standbys to stay available",
        ),
      );
    }
    return scores;
  },
};

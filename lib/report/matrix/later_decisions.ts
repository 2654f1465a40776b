/**
 * The matrix rows of D5 (how events reach read models), D7 (the backup tool) and D8 (high
 * availability for orders), scored from the committed data of experiments 05, 07 and 08. Rules are stated with each
 * score; a judgement is marked and says why.
 *
 * @module
 */

import type { FigureData } from "../../results/figure.ts";
import { ceiling, lag, ryow } from "../../experiments/eventsourcing/summary.ts";
import { aggregate } from "../../experiments/failover/summary.ts";
import { pitr, restoreRate, rto, sizes } from "../../experiments/backup/summary.ts";
import {
  type DecisionSpec,
  judged,
  measured,
  ratioScore,
  type Score,
  shareScore,
} from "./matrix.ts";

/** D5: the feed that carries committed events to the read models. */
export const d5: DecisionSpec = {
  id: "D5",
  title: "Feed from the event store to read models",
  options: ["polling", "LISTEN/NOTIFY", "outbox via NATS"],
  async scores(d: FigureData) {
    const rows = await d.rows("eventsourcing_feeds.csv");
    const feeds = [["polling", "poll"], ["LISTEN/NOTIFY", "notify"], [
      "outbox via NATS",
      "nats",
    ]] as const;
    const p99 = (f: string) => lag(rows, "lag_p99", f).mean;
    const wait = (f: string) => ryow(rows, "token_wait_p99", f).mean;
    const top = (f: string) => ceiling(rows, f).mean;
    const fastest = Math.min(...feeds.map(([, f]) => p99(f)));
    const quickest = Math.min(...feeds.map(([, f]) => wait(f)));
    const widest = Math.max(...feeds.map(([, f]) => top(f)));
    const scores: Score[] = [];
    for (const [option, f] of feeds) {
      scores.push(
        measured(
          option,
          "consistency",
          ratioScore(quickest / wait(f)),
          `1 + 4 × shortest p99 wait for a client's own version token / this feed's ` +
            `(${wait(f).toFixed(1)} ms): how soon read-your-writes holds`,
        ),
        measured(
          option,
          "performance",
          ratioScore(fastest / p99(f)),
          `1 + 4 × lowest projection lag p99 / this feed's (${p99(f).toFixed(1)} ms)`,
        ),
        measured(
          option,
          "scalability",
          ratioScore(top(f) / widest),
          `1 + 4 × this feed's ceiling / the highest (${top(f).toFixed(0)} events/s, order view)`,
        ),
      );
    }
    scores.push(
      judged(
        "polling",
        "reliability",
        4,
        "the checkpoint lives with the read model; every crash run rebuilt equal (a tally over all feeds)",
      ),
      judged(
        "LISTEN/NOTIFY",
        "reliability",
        3,
        "notifications are lost while disconnected: correctness rests on the fallback poll",
      ),
      judged(
        "outbox via NATS",
        "reliability",
        4,
        "JetStream keeps and redelivers; the relay is one more process that can stop",
      ),
      judged("polling", "operations", 5, "a query on the event store; nothing else to run"),
      judged("LISTEN/NOTIFY", "operations", 4, "a held connection per projector"),
      judged("outbox via NATS", "operations", 2, "a NATS cluster and a relay to run and watch"),
      judged("polling", "cost", 5, "no extra servers"),
      judged("LISTEN/NOTIFY", "cost", 5, "no extra servers"),
      judged("outbox via NATS", "cost", 4, "NATS servers (Apache-2.0)"),
    );
    return scores;
  },
};

/** D8: how the orders store survives the loss of its primary. */
export const d8: DecisionSpec = {
  id: "D8",
  title: "High availability for orders",
  options: ["Patroni synchronous_mode", "Patroni asynchronous", "Galera"],
  async scores(d: FigureData) {
    const rows = await d.rows("failover.csv");
    const lostShare = (mode: string) => {
      let lost = 0, acked = 0;
      for (const fault of ["kill", "partition"]) {
        lost += aggregate(rows, "patroni", mode, fault, "lost_acked_writes").sum;
        acked += aggregate(rows, "patroni", mode, fault, "acked_writes").sum;
      }
      return lost / Math.max(1, acked);
    };
    const rto = (mode: string) => aggregate(rows, "patroni", mode, "kill", "unavailable_ms").mean;
    const galeraLost = aggregate(rows, "galera", "plain_read", "none", "lost_updates").sum /
      Math.max(1, aggregate(rows, "galera", "plain_read", "none", "committed_increments").sum);
    const galeraCost = aggregate(rows, "galera", "local_commit", "none", "commit_p50_ms").mean /
      aggregate(rows, "galera", "replicated_commit", "none", "commit_p50_ms").mean;
    const bestRto = Math.min(rto("sync"), rto("async"));
    const lostRule = "5 − 4 × (acknowledged writes lost over kill -9 and partition / 10 %)";
    return [
      measured(
        "Patroni synchronous_mode",
        "consistency",
        shareScore(lostShare("sync"), 0.1),
        lostRule,
      ),
      measured(
        "Patroni asynchronous",
        "consistency",
        shareScore(lostShare("async"), 0.1),
        lostRule,
      ),
      measured(
        "Galera",
        "consistency",
        shareScore(galeraLost, 0.1),
        "5 − 4 × (lost updates among committed read-modify-write increments with a plain read / 10 %)",
      ),
      judged(
        "Patroni synchronous_mode",
        "performance",
        4,
        "a commit waits for one standby: the cost D4 measured (notebook 04)",
      ),
      judged("Patroni asynchronous", "performance", 5, "a commit is local"),
      measured(
        "Galera",
        "performance",
        ratioScore(galeraCost),
        "1 + 4 × local commit p50 / replicated commit p50 on the same server",
      ),
      measured(
        "Patroni synchronous_mode",
        "reliability",
        ratioScore(bestRto / rto("sync")),
        `1 + 4 × shortest write unavailability after kill -9 / this mode's (${
          (rto("sync") / 1000).toFixed(1)
        } s)`,
      ),
      measured(
        "Patroni asynchronous",
        "reliability",
        ratioScore(bestRto / rto("async")),
        `1 + 4 × shortest write unavailability after kill -9 / this mode's (${
          (rto("async") / 1000).toFixed(1)
        } s)`,
      ),
      judged("Galera", "reliability", 4, "every node takes writes, no promotion; not killed here"),
      judged("Patroni synchronous_mode", "scalability", 3, "one writer; replicas serve reads"),
      judged("Patroni asynchronous", "scalability", 3, "one writer; replicas serve reads"),
      judged(
        "Galera",
        "scalability",
        3,
        "writes on every node, but certification conflicts grow with hot rows",
      ),
      judged("Patroni synchronous_mode", "operations", 3, "Patroni per node plus an etcd quorum"),
      judged("Patroni asynchronous", "operations", 3, "Patroni per node plus an etcd quorum"),
      judged("Galera", "operations", 3, "state transfers on join; quorum loss stops the cluster"),
      judged("Patroni synchronous_mode", "cost", 5, "open source, no paid tier"),
      judged("Patroni asynchronous", "cost", 5, "open source, no paid tier"),
      judged("Galera", "cost", 5, "open source, no paid tier"),
    ];
  },
};

/** Backup tools as the record names them, and their tool and backup type in the data. */
const BACKUP_TOOLS = [
  ["pgBackRest", "pgbackrest", "full"],
  ["pg_basebackup", "pg_basebackup", "full"],
  ["pg_dump", "pg_dump", "logical"],
] as const;

/** D7: the primary backup tool for the orders store. */
export const d7: DecisionSpec = {
  id: "D7",
  title: "Backup tool for the orders store",
  options: BACKUP_TOOLS.map(([o]) => o),
  async scores(d: FigureData) {
    const backups = await d.rows("backup_backups.csv");
    const pitrRows = await d.rows("backup_pitr.csv");
    // The orders store is PostgreSQL: its sizes and its drill, not another engine's.
    const largest = Math.max(...sizes(backups, "postgres"));
    const rtoOf = (tool: string, type: string) => rto(backups, tool, type, largest);
    const rateOf = (tool: string, type: string) => restoreRate(backups, tool, type);
    const fastest = Math.min(...BACKUP_TOOLS.map(([, t, k]) => rtoOf(t, k)));
    const widest = Math.max(...BACKUP_TOOLS.map(([, t, k]) => rateOf(t, k)));
    const p = pitr(pitrRows, "postgres");
    const scores: Score[] = [];
    for (const [option, tool, type] of BACKUP_TOOLS) {
      scores.push(
        measured(
          option,
          "performance",
          ratioScore(fastest / rtoOf(tool, type)),
          `1 + 4 × shortest restore (RTO) / this tool's at the largest size measured ` +
            `(${(rtoOf(tool, type) / 1000).toFixed(1)} s)`,
        ),
        measured(
          option,
          "scalability",
          ratioScore(rateOf(tool, type) / widest),
          `1 + 4 × this tool's restore rate / the highest (${
            rateOf(tool, type).toFixed(0)
          } MB/s): what a production-size restore divides by`,
        ),
      );
    }
    scores.push(
      measured(
        "pgBackRest",
        "consistency",
        p.valid ? 5 : 1,
        `5 when every point-in-time restore held exactly the commits acknowledged before its ` +
          `target (${p.runs} drill(s)), else 1`,
      ),
      judged(
        "pg_basebackup",
        "consistency",
        4,
        "point-in-time recovery needs a WAL archive kept beside it; not drilled here",
      ),
      judged("pg_dump", "consistency", 1, "restores the dump's moment only: no point in time"),
      judged(
        "pgBackRest",
        "reliability",
        5,
        "checksummed repository, retention and archive in one tool; restores verified here",
      ),
      judged("pg_basebackup", "reliability", 3, "retention and archive cleanup are scripts"),
      judged("pg_dump", "reliability", 2, "loses everything since the last dump"),
      judged("pgBackRest", "operations", 4, "one tool, a stanza per cluster, a config file"),
      judged("pg_basebackup", "operations", 3, "ships with PostgreSQL; the rest is scripting"),
      judged("pg_dump", "operations", 5, "ships with PostgreSQL; engine-version independent"),
      judged("pgBackRest", "cost", 5, "MIT licence"),
      judged("pg_basebackup", "cost", 5, "PostgreSQL licence"),
      judged("pg_dump", "cost", 5, "PostgreSQL licence"),
    );
    return scores;
  },
};

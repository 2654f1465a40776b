/**
 * PostgreSQL's replication binding: streaming replication, asynchronous and with a
 * synchronous standby at `synchronous_commit` = remote_write / on / remote_apply (set per
 * writer session, so the three synchronous modes share one cluster). The store is an
 * append-only log table; pg_stat_replication's write/flush/replay lag and WAL positions are
 * the engine's own view.
 *
 * @module
 */

import type pg from "pg";
import { connectPostgres, queryPostgres } from "../../engines/postgres/client.ts";
import type { Engine, EngineNode } from "../../engines/mod.ts";
import type {
  EngineLagSample,
  ReplicationBinding,
  ReplicationMode,
  ReplicationStore,
  ReplReader,
  ReplWriter,
  StreamPosition,
  WriteOutcome,
} from "./binding.ts";
import { waitUntil } from "./wait.ts";

/** The synchronous standby's cluster: the primary waits for one standby (FIRST 1). */
const SYNC = { mode: "sync", synchronousCommit: "on" } as const;

/** A mode whose writer sets `synchronous_commit = level` for its session. */
function mode(
  id: string,
  cluster: ReplicationMode["cluster"],
  level: string,
  describe: string,
): ReplicationMode {
  return {
    id,
    cluster,
    level,
    waitsForReplica: cluster.mode !== "async",
    describe,
    // Set per session, so the server settings alone would not tell the modes apart.
    engineConfig: { session_synchronous_commit: level },
  };
}

/** PostgreSQL 15, a primary and streaming replicas. */
export const postgresBinding: ReplicationBinding = {
  name: "postgres",
  engine: "postgres",
  modes: [
    mode(
      "pg_async",
      { mode: "async" },
      "on",
      "PostgreSQL streaming replication, asynchronous (commit flushed locally only)",
    ),
    mode(
      "pg_remote_write",
      SYNC,
      "remote_write",
      "PostgreSQL synchronous standby, synchronous_commit = remote_write (standby has written WAL to its OS)",
    ),
    mode(
      "pg_on",
      SYNC,
      "on",
      "PostgreSQL synchronous standby, synchronous_commit = on (standby has flushed WAL)",
    ),
    mode(
      "pg_remote_apply",
      SYNC,
      "remote_apply",
      "PostgreSQL synchronous standby, synchronous_commit = remote_apply (standby has applied: visible)",
    ),
  ],
  store: postgresReplication,
};

const LEVELS = ["local", "remote_write", "on", "remote_apply"];

/** A {@link ReplicationStore} for a native PostgreSQL primary with streaming replicas. */
export function postgresReplication(engine: Engine): ReplicationStore {
  let monitor: pg.Client | undefined;
  const mon = async () => {
    if (!monitor) {
      monitor = await connectPostgres(engine.primary);
      // A server shutting down ends the connection; that must not crash the process.
      monitor.on("error", () => {});
    }
    return monitor;
  };
  return {
    async setup() {
      await queryPostgres(
        engine.primary,
        `CREATE TABLE IF NOT EXISTS repl_log (seq bigint PRIMARY KEY, k bigint NOT NULL);
         CREATE INDEX IF NOT EXISTS repl_log_k ON repl_log (k, seq)`,
      );
      for (const r of engine.replicas) {
        await waitUntil(
          `${r.name} has repl_log`,
          async () =>
            (await queryPostgres(r, "SELECT to_regclass('repl_log') IS NOT NULL AS ok"))[0].ok,
        );
      }
    },

    async writer(level, timeoutMs) {
      if (!LEVELS.includes(level)) {
        throw new Error(
          `postgres: unknown synchronous_commit "${level}"; use ${LEVELS.join(", ")}`,
        );
      }
      // query_timeout bounds the client even if the server never answers (a stopped primary).
      const c = await connectPostgres(engine.primary, { query_timeout: timeoutMs + 5000 });
      c.on("error", () => {}); // failures reach callers through rejected queries
      // statement_timeout also cancels a commit's wait for the synchronous standby; PostgreSQL
      // then keeps the local commit and only warns — we count those acknowledgements apart.
      await c.query(`SET synchronous_commit = ${level}; SET statement_timeout = ${timeoutMs}`);
      let cancelled = false;
      c.on("notice", (n: { message?: string }) => {
        if (/synchronous replication/i.test(n.message ?? "")) cancelled = true;
      });
      return {
        async write(seq, key): Promise<WriteOutcome> {
          cancelled = false;
          await c.query({
            name: "repl_ins",
            text: "INSERT INTO repl_log (seq, k) VALUES ($1, $2)",
            values: [seq, key],
          });
          return cancelled ? "unreplicated" : "ok";
        },
        close: () => c.end().catch(() => {}),
      } satisfies ReplWriter;
    },

    async reader(node: EngineNode) {
      const c = await connectPostgres(node, { query_timeout: 30_000 });
      c.on("error", () => {});
      return {
        async read(key) {
          const r = await c.query({
            name: "repl_read",
            text: "SELECT max(seq)::float8 AS v FROM repl_log WHERE k = $1",
            values: [key],
          });
          return r.rows[0]?.v ?? null;
        },
        async visibleAbove(watermark) {
          const r = await c.query({
            name: "repl_above",
            text: "SELECT seq::float8 AS s FROM repl_log WHERE seq > $1",
            values: [watermark],
          });
          return r.rows.map((x: { s: number }) => x.s);
        },
        close: () => c.end().catch(() => {}),
      } satisfies ReplReader;
    },

    async engineLag() {
      const c = await mon();
      const t0 = performance.now();
      const r = await c.query(
        `SELECT application_name AS node,
                extract(epoch FROM write_lag) * 1000 AS write_ms,
                extract(epoch FROM flush_lag) * 1000 AS flush_ms,
                extract(epoch FROM replay_lag) * 1000 AS replay_ms,
                pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS backlog
           FROM pg_stat_replication`,
      );
      const tMs = (t0 + performance.now()) / 2;
      const out: EngineLagSample[] = [];
      for (const row of r.rows) {
        // The lag columns are NULL when the standby has caught up and nothing is flowing.
        const push = (metric: string, v: unknown) => {
          if (v !== null && v !== undefined) {
            out.push({ tMs, node: row.node, metric, value: Number(v) });
          }
        };
        push("write_lag_ms", row.write_ms);
        push("flush_lag_ms", row.flush_ms);
        push("replay_lag_ms", row.replay_ms);
        push("backlog_bytes", row.backlog);
      }
      return out;
    },

    async position(): Promise<StreamPosition> {
      const c = await mon();
      const r = await c.query("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 AS b");
      return { value: r.rows[0].b, unit: "bytes" };
    },

    async close() {
      await monitor?.end().catch(() => {});
      monitor = undefined;
    },
  };
}

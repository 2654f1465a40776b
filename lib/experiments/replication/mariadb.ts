/**
 * MariaDB's replication binding: GTID replication, asynchronous and semi-synchronous (one
 * cluster each: semi-sync is a server setting). The store is the same log table in InnoDB,
 * written with autocommit on the primary; the engine's own view is the GTID sequence number
 * the primary has logged against the one each replica has applied (exact transactions
 * behind), and Seconds_Behind_Master (1 s resolution).
 *
 * @module
 */

import type mysql from "mysql2/promise";
import { connectMariadb, queryMariadb } from "../../engines/mariadb/client.ts";
import type { Engine, EngineNode } from "../../engines/mod.ts";
import type {
  EngineLagSample,
  ReplicationBinding,
  ReplicationStore,
  ReplReader,
  ReplWriter,
} from "./binding.ts";
import { waitUntil } from "./wait.ts";

/** MariaDB 10.11, a primary and GTID replicas; writers have one level, `default`. */
export const mariadbBinding: ReplicationBinding = {
  name: "mariadb",
  engine: "mariadb",
  modes: [
    {
      id: "mariadb_async",
      cluster: { mode: "async" },
      level: "default",
      waitsForReplica: false,
      describe: "MariaDB GTID replication, asynchronous",
      // The cluster's settings (rpl_semi_sync_master_enabled) already tell the modes apart.
      engineConfig: {},
    },
    {
      id: "mariadb_semisync",
      cluster: { mode: "semisync" },
      level: "default",
      waitsForReplica: true,
      describe:
        "MariaDB semi-synchronous (a replica has received the event; falls back to async after 10 s)",
      engineConfig: {},
    },
  ],
  store: mariadbReplication,
};

const DB = "repl";

/** Highest seq_no of GTID domain 0 in a GTID position list like `0-1-123,1-2-5`. */
export function gtidSeq(pos: string | null | undefined): number {
  for (const part of String(pos ?? "").split(",")) {
    const [domain, , seq] = part.trim().split("-");
    if (domain === "0" && seq !== undefined) return Number(seq);
  }
  return 0;
}

function at(node: EngineNode): Pick<EngineNode, "url"> {
  return { url: node.url.replace(/\/mysql$/, `/${DB}`) };
}

/** A {@link ReplicationStore} for a native MariaDB primary with GTID replicas. */
export function mariadbReplication(engine: Engine): ReplicationStore {
  const monitors = new Map<string, mysql.Connection>();
  const mon = async (node: EngineNode) => {
    let c = monitors.get(node.name);
    if (!c) monitors.set(node.name, c = await connectMariadb(node));
    return c;
  };
  return {
    async setup() {
      await queryMariadb(
        engine.primary,
        `CREATE DATABASE IF NOT EXISTS ${DB};
         CREATE TABLE IF NOT EXISTS ${DB}.repl_log (seq BIGINT PRIMARY KEY, k BIGINT NOT NULL,
           KEY repl_log_k (k, seq)) ENGINE=InnoDB`,
      );
      for (const r of engine.replicas) {
        await waitUntil(`${r.name} has ${DB}.repl_log`, async () => {
          const rows = await queryMariadb<{ n: number }[]>(
            r,
            `SELECT count(*) AS n FROM information_schema.tables
              WHERE table_schema = '${DB}' AND table_name = 'repl_log'`,
          );
          return Number(rows[0].n) === 1;
        });
      }
    },

    async writer(level, timeoutMs) {
      if (level !== "default") {
        throw new Error(`mariadb: unknown writer level "${level}"; use default`);
      }
      const c = await connectMariadb(at(engine.primary));
      return {
        async write(seq, key) {
          // The client timeout bounds a commit that waits for a semi-sync ack (the server's
          // own bound is rpl_semi_sync_master_timeout, 10 s by default).
          await c.query(
            { sql: "INSERT INTO repl_log (seq, k) VALUES (?, ?)", timeout: timeoutMs },
            [
              seq,
              key,
            ],
          );
          return "ok" as const;
        },
        close: () => c.end().catch(() => {}),
      } satisfies ReplWriter;
    },

    async reader(node) {
      const c = await connectMariadb(at(node));
      return {
        async read(key) {
          const [rows] = await c.execute("SELECT max(seq) AS v FROM repl_log WHERE k = ?", [key]);
          const v = (rows as { v: number | string | null }[])[0]?.v;
          return v === null || v === undefined ? null : Number(v);
        },
        async visibleAbove(watermark) {
          const [rows] = await c.execute("SELECT seq FROM repl_log WHERE seq > ?", [watermark]);
          return (rows as { seq: number | string }[]).map((r) => Number(r.seq));
        },
        close: () => c.end().catch(() => {}),
      } satisfies ReplReader;
    },

    async engineLag() {
      const t0 = performance.now();
      const primary = await mon(engine.primary);
      const [[p], ...replicas] = await Promise.all([
        primary.query("SELECT @@gtid_binlog_pos AS pos").then(([r]) => r as { pos: string }[]),
        ...engine.replicas.map(async (r) => {
          const c = await mon(r);
          const [[pos]] = await c.query("SELECT @@gtid_slave_pos AS pos") as unknown as [
            { pos: string }[],
          ];
          const [[status]] = await c.query("SHOW SLAVE STATUS") as unknown as [
            Record<string, unknown>[],
          ];
          return { node: r.name, pos: pos.pos, sbm: status?.Seconds_Behind_Master };
        }),
      ]);
      const tMs = (t0 + performance.now()) / 2;
      const head = gtidSeq(p.pos);
      const out: EngineLagSample[] = [];
      for (const r of replicas) {
        out.push({
          tMs,
          node: r.node,
          metric: "backlog_tx",
          value: Math.max(0, head - gtidSeq(r.pos)),
        });
        if (r.sbm !== null && r.sbm !== undefined) {
          out.push({ tMs, node: r.node, metric: "seconds_behind", value: Number(r.sbm) });
        }
      }
      return out;
    },

    async position() {
      const c = await mon(engine.primary);
      const [rows] = await c.query("SELECT @@gtid_binlog_pos AS pos");
      return { value: gtidSeq((rows as { pos: string }[])[0].pos), unit: "tx" as const };
    },

    async close() {
      await Promise.all([...monitors.values()].map((c) => c.end().catch(() => {})));
      monitors.clear();
    },
  };
}

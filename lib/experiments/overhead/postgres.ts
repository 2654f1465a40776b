/**
 * PostgreSQL's overhead binding: `pgbench -S` (select-only, prepared statements) as the peer,
 * and the harness doing the same primary-key lookup through node-postgres or the project's
 * own wire client.
 *
 * @module
 */

import postgres from "postgres";
import { connectPostgres } from "../../engines/postgres/client.ts";
import type { Transport } from "../../load/bytereader.ts";
import { PgWireConnection } from "../../load/pgwire.ts";
import type { OverheadBinding, Technique } from "./binding.ts";
import { pgbenchInit, runPgbench } from "./tools.ts";

/** pgbench's select-only statement. */
export const PG_SELECT = "SELECT abalance FROM pgbench_accounts WHERE aid = $1";

function pgWire(transport: Transport): Technique["open"] {
  return async (node, clients, data) => {
    const conns = await Promise.all(
      Array.from({ length: clients }, () => PgWireConnection.connect(node.url, transport)),
    );
    try {
      for (const c of conns) await c.prepare("pgbench_select", PG_SELECT);
    } catch (err) {
      conns.forEach((c) => c.close());
      throw err;
    }
    const n = 100_000 * data.pgScale;
    return {
      op: (w, rng) => conns[w].execute([1 + Math.floor(rng.next() * n)]),
      close: () => Promise.resolve(conns.forEach((c: { close(): void }) => c.close())),
    };
  };
}

/** PostgreSQL 15 against pgbench -S. */
export const postgresBinding: OverheadBinding = {
  name: "postgres",
  engine: "postgres",
  op: "pk_select",
  prepare: (e, d) => pgbenchInit(e.primary, d.pgScale),
  tool: (e, d) => runPgbench(e.primary, d.clients, Math.max(1, Math.round(d.durationS))),
  techniques: [
    {
      id: "node-postgres",
      detail: "node-postgres client, named prepared statement, one client per slot",
      open: async (node, clients, data) => {
        const conns = await Promise.all(
          Array.from({ length: clients }, () => connectPostgres(node)),
        );
        const n = 100_000 * data.pgScale;
        return {
          op: (w, rng) =>
            conns[w].query({
              name: "pgbench_select",
              text: PG_SELECT,
              values: [1 + Math.floor(rng.next() * n)],
            }),
          close: async () => {
            await Promise.all(conns.map((c: { end(): Promise<void> }) => c.end()));
          },
        };
      },
    },
    {
      id: "postgres.js",
      detail: "porsager postgres (postgres.js) client, implicit prepared statement, one " +
        "connection per slot",
      open: (node, clients, data) => {
        const pools = Array.from(
          { length: clients },
          () => postgres(node.url, { max: 1, prepare: true, onnotice: () => {} }),
        );
        const n = 100_000 * data.pgScale;
        return Promise.resolve({
          op: (w, rng) =>
            pools[w]`SELECT abalance FROM pgbench_accounts WHERE aid = ${
              1 + Math.floor(rng.next() * n)
            }`,
          close: async () => {
            await Promise.all(pools.map((p) => p.end({ timeout: 1 })));
          },
        });
      },
    },
    {
      id: "pgwire-deno-tcp",
      detail: "lib/load/pgwire.ts (Bind+Describe+Execute+Sync as libpq) over Deno.connect",
      open: pgWire("deno"),
    },
    {
      id: "pgwire-epoll-ffi",
      detail: "lib/load/pgwire.ts (Bind+Describe+Execute+Sync as libpq) over lib/load/epoll.ts " +
        "(libc send/recv/epoll_wait via Deno FFI)",
      open: pgWire("epoll"),
    },
  ],
};

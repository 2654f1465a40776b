import assert from "node:assert/strict";
import { startEngine } from "../engines/mod.ts";
import { queryPostgres } from "../engines/postgres/client.ts";
import { classifyError } from "./errors.ts";
import { parsePgUrl, PgWireConnection, PgWireError } from "./pgwire.ts";

Deno.test("pgwire: parses postgres:// URLs", () => {
  assert.deepEqual(parsePgUrl("postgres://postgres@127.0.0.1:5433/db1"), {
    hostname: "127.0.0.1",
    port: 5433,
    user: "postgres",
    database: "db1",
  });
  assert.throws(() => parsePgUrl("mysql://x@y/z"), /not a postgres/);
});

Deno.test({
  name: "pgwire over deno and epoll: prepared statements return first values, NULLs, errors",
  sanitizeResources: false, // the FFI libc handle stays open for the process
  fn: async () => {
    await using e = await startEngine({ engine: "postgres" });
    await queryPostgres(e.primary, "CREATE TABLE t (id int PRIMARY KEY, v text)");
    await queryPostgres(e.primary, "INSERT INTO t VALUES (1, 'one'), (2, NULL), (3, 'été')");
    for (const transport of ["deno", "epoll"] as const) {
      const c = await PgWireConnection.connect(e.primary.url, transport);
      try {
        await c.prepare("get", "SELECT v FROM t WHERE id = $1");
        assert.equal(await c.execute([1]), "one");
        assert.equal(await c.execute(["2"]), null); // NULL value
        assert.equal(await c.execute([3]), "été"); // UTF-8
        assert.equal(await c.execute([99]), null); // no row
        await c.prepare("div", "SELECT (10 / $1::int)::text");
        assert.equal(await c.execute([5]), "2");
        const err = await c.execute([0]).catch((x) => x);
        assert.ok(err instanceof PgWireError);
        assert.equal(err.code, "22012"); // division_by_zero
        assert.equal(classifyError(err), "other");
        assert.equal(await c.execute([2]), "5"); // the connection is usable after an error
        await c.prepare("big", "SELECT repeat('x', 200000)");
        assert.equal((await c.execute([]))?.length, 200_000); // larger than the receive buffer
        await assert.rejects(
          () => Promise.all([c.execute([1]), c.execute([1])]),
          /one statement at a time/,
        );
      } finally {
        c.close();
      }
    }
    await assert.rejects(
      () => PgWireConnection.connect(e.primary.url.replace(/\/postgres$/, "/nosuchdb")),
      (err: unknown) => err instanceof PgWireError && err.code === "3D000",
    );
  },
});

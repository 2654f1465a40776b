import assert from "node:assert/strict";
import { startEngine } from "../engines/mod.ts";
import { encodeCommand, parseReply, RespConnection, RespError } from "./resp.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("resp: encodes commands as arrays of bulk strings (byte lengths)", () => {
  assert.equal(dec.decode(encodeCommand(["GET", "k"])), "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
  assert.equal(
    dec.decode(encodeCommand(["SET", "é", 12])),
    "*3\r\n$3\r\nSET\r\n$2\r\né\r\n$2\r\n12\r\n",
  );
  const long = "x".repeat(1000);
  assert.equal(
    dec.decode(encodeCommand(["SET", long], new Uint8Array(8))),
    `*2\r\n$3\r\nSET\r\n$1000\r\n${long}\r\n`,
  );
});

Deno.test("resp: parses every reply type and says when a reply is incomplete", () => {
  const p = (s: string) => {
    const b = enc.encode(s);
    return parseReply(b, 0, b.length);
  };
  assert.deepEqual(p("+OK\r\n"), { value: "OK", next: 5 });
  assert.deepEqual(p(":-42\r\n"), { value: -42, next: 6 });
  assert.deepEqual(p("$-1\r\n"), { value: null, next: 5 });
  assert.deepEqual(p("$3\r\nabc\r\n+X"), { value: "abc", next: 9 });
  assert.deepEqual(p("*2\r\n$1\r\na\r\n:7\r\n")?.value, ["a", 7]);
  const err = p("-WRONGTYPE bad\r\n")?.value;
  assert.ok(err instanceof RespError);
  assert.equal(err.code, "WRONGTYPE");
  for (const partial of ["", "+OK", "+OK\r", "$3\r\nab", "$3\r\nabc\r", "*2\r\n$1\r\na\r\n"]) {
    assert.equal(p(partial), undefined, JSON.stringify(partial));
  }
});

for (const transport of ["deno", "epoll"] as const) {
  Deno.test({
    name:
      `resp over ${transport}: real Redis round trips, large replies, errors, pre-encoded sends`,
    sanitizeResources: false, // the FFI libc handle stays open for the process
    fn: async () => {
      await using e = await startEngine({ engine: "redis" });
      const c = await RespConnection.connect(e.primary.url, transport);
      try {
        assert.equal(await c.command("PING"), "PONG");
        assert.equal(await c.command("SET", "k", "v1"), "OK");
        assert.equal(await c.command("GET", "k"), "v1");
        assert.equal(await c.command("GET", "missing"), null);
        assert.equal(await c.command("INCR", "n"), 1);
        assert.deepEqual(await c.command("MGET", "k", "missing"), ["v1", null]);
        const big = "b".repeat(300_000); // larger than the 64 KiB receive buffer
        await c.command("SET", "big", big);
        assert.equal(await c.command("GET", "big"), big);
        await assert.rejects(
          () => c.command("INCR", "k"),
          (err: unknown) => err instanceof RespError && err.code === "ERR",
        );
        assert.equal(await c.send(encodeCommand(["GET", "k"])), "v1"); // still in sync after an error
        await assert.rejects(
          () => Promise.all([c.command("PING"), c.command("PING")]),
          /one command at a time/,
        );
      } finally {
        c.close();
        c.close(); // idempotent
      }
    },
  });
}

Deno.test({
  name: "resp over epoll: a refused connection fails with one line",
  sanitizeResources: false,
  fn: async () => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = l.addr.port;
    l.close();
    await assert.rejects(
      () => RespConnection.connect(`redis://127.0.0.1:${port}`, "epoll"),
      /connect\(127\.0\.0\.1:\d+\) failed/,
    );
  },
});

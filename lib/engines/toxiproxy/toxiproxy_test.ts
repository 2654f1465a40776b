// Toxiproxy as a private server: its API answers, a proxy forwards to a local echo server, the
// latency toxics add the round trip asked for (split over both directions), disabling the proxy
// cuts the connection, and nothing is left behind.

import assert from "node:assert/strict";
import { startEngine } from "../mod.ts";
import { freePort, LOOPBACK, portAnswers } from "../runtime/net.ts";
import { createProxy, setProxyEnabled, setRoundTrip, splitRoundTrip } from "./client.ts";
import { TOXIPROXY_VERSION } from "./mod.ts";

Deno.test("toxiproxy: split of a round trip into whole ms per direction", () => {
  assert.deepEqual(splitRoundTrip(5), { downstream: 3, upstream: 2 });
  assert.deepEqual(splitRoundTrip(1), { downstream: 1, upstream: 0 });
  assert.throws(() => splitRoundTrip(1.5), /whole number of ms/);
});

async function roundTrip(conn: Deno.TcpConn): Promise<number> {
  const buf = new Uint8Array(1);
  const t = performance.now();
  await conn.write(new Uint8Array([7]));
  assert.equal(await conn.read(buf), 1);
  return performance.now() - t;
}

Deno.test({
  name: "toxiproxy: a proxy adds the round trip asked for; disabled, it cuts the link",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const echoPort = freePort();
    const echo = Deno.listen({ hostname: LOOPBACK, port: echoPort });
    (async () => {
      for await (const c of echo) {
        (async () => {
          const buf = new Uint8Array(64);
          for (let n; (n = await c.read(buf).catch(() => null)) !== null;) {
            await c.write(buf.subarray(0, n)).catch(() => {});
          }
          c.close();
        })();
      }
    })().catch(() => {});
    const e = await startEngine({ engine: "toxiproxy", provider: "native" });
    try {
      assert.equal(e.version, TOXIPROXY_VERSION);
      const listen = freePort();
      await createProxy(e.primary, {
        name: "echo",
        listen: `${LOOPBACK}:${listen}`,
        upstream: `${LOOPBACK}:${echoPort}`,
      });
      const conn = await Deno.connect({ hostname: LOOPBACK, port: listen });
      assert.ok(await roundTrip(conn) < 20, "no delay before the toxics");
      await setRoundTrip(e.primary, "echo", 30); // on the open connection
      const rtt = await roundTrip(conn);
      assert.ok(rtt >= 29 && rtt < 60, `30 ms round trip measured as ${rtt.toFixed(1)} ms`);
      await setRoundTrip(e.primary, "echo", 0);
      assert.ok(await roundTrip(conn) < 20, "toxics removed");
      await setProxyEnabled(e.primary, "echo", false);
      await conn.write(new Uint8Array([1])).catch(() => {});
      const n = await conn.read(new Uint8Array(1)).catch(() => null);
      assert.equal(n, null, "the connection is closed");
      conn.close();
    } finally {
      await e.stop();
      echo.close();
    }
    assert.equal(await portAnswers(e.primary.port), false, "API port closed");
  },
});

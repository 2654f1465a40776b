// NATS with JetStream as a private server: starts on 127.0.0.1, keeps a published message in
// a file-backed stream, drops a duplicate message id, and leaves nothing behind.

import assert from "node:assert/strict";
import { JSONCodec, StorageType } from "nats";
import { startEngine } from "../mod.ts";
import { portAnswers } from "../runtime/net.ts";
import { connectNats } from "./client.ts";

Deno.test("nats: JetStream on a private server, de-duplicated by message id", async () => {
  const e = await startEngine({ engine: "nats", provider: "native" });
  try {
    assert.equal(e.primary.host, "127.0.0.1");
    assert.match(e.version, /^2\.\d+/);
    const nc = await connectNats(e.primary);
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: "T", subjects: ["t.x"], storage: StorageType.File });
      const js = nc.jetstream();
      const c = JSONCodec<{ n: number }>();
      const a = await js.publish("t.x", c.encode({ n: 1 }), { msgID: "1" });
      const b = await js.publish("t.x", c.encode({ n: 1 }), { msgID: "1" });
      assert.equal(a.duplicate, false);
      assert.equal(b.duplicate, true);
      assert.equal((await jsm.streams.info("T")).state.messages, 1);
    } finally {
      await nc.close();
    }
  } finally {
    await e.stop();
  }
  assert.equal(await portAnswers(e.primary.port), false, "port closed");
});

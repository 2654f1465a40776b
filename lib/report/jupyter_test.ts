// The Jupyter path a reader takes: `jupyter notebook` (Debian's, as ./denow task jupyter starts
// it) serves notebooks/, starts the user's "deno" kernel — which resolves this checkout's
// pinned Deno — and runs a notebook's replay cell; the interrupt button stops the engines a cell
// started and fails the cell, but keeps the kernel.

import assert from "node:assert/strict";
import { portAnswers, waitUntil } from "../engines/runtime/net.ts";
import { startNotebookServer } from "./jupyter.ts";

/** The replies to one execute_request on a kernel's websocket. */
interface Executed {
  status: string;
  result?: string;
  error?: string;
  stream: string;
}

/** A minimal Jupyter messaging client over the notebook server's kernel websocket. */
async function kernelClient(base: string, token: string, kernelId: string) {
  const ws = new WebSocket(
    `${base.replace("http", "ws")}/api/kernels/${kernelId}/channels?token=${token}`,
  );
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error("websocket did not open"));
  });
  type Waiting = { out: Executed; done: (e: Executed) => void; idle?: boolean };
  const waiting = new Map<string, Waiting>();
  const finish = (id: string, w: Waiting) => {
    if (waiting.delete(id)) w.done(w.out);
  };
  // Deno 2.9's kernel may send a cell's result after it reported idle and replied (the README's
  // nbconvert caveat): once both came, a cell without a result yet gets a grace period.
  const settle = (id: string, w: Waiting) => {
    if (w.out.result !== undefined || w.out.error) finish(id, w);
    else setTimeout(() => finish(id, w), 3_000);
  };
  const onStream = new Map<string, (text: string) => void>();
  ws.onmessage = (event) => {
    const msg = JSON.parse(String(event.data));
    const parent = msg.parent_header?.msg_id;
    const w = waiting.get(parent);
    if (!w) return;
    const c = msg.content;
    switch (msg.header.msg_type) {
      case "stream":
        w.out.stream += c.text;
        onStream.get(parent)?.(w.out.stream);
        break;
      case "execute_result":
        // deno-lint-ignore no-control-regex
        w.out.result = String(c.data["text/plain"]).replace(/\x1b\[[0-9;]*m/g, "");
        if (w.idle && w.out.status) finish(parent, w);
        break;
      case "error":
        w.out.error = `${c.ename}: ${c.evalue}`;
        break;
      case "execute_reply":
        w.out.status = c.status;
        if (w.idle) settle(parent, w);
        break;
      case "status":
        if (c.execution_state === "idle") {
          w.idle = true;
          // The reply comes on the shell channel, before or after idle: wait for both (on a
          // busy machine it can lag), but not forever.
          if (w.out.status) settle(parent, w);
          else setTimeout(() => finish(parent, w), 10_000);
        }
    }
  };
  return {
    execute(code: string, streaming?: (text: string) => void): Promise<Executed> {
      const msgId = crypto.randomUUID();
      return new Promise((done) => {
        waiting.set(msgId, { out: { status: "", stream: "" }, done });
        if (streaming) onStream.set(msgId, streaming);
        ws.send(JSON.stringify({
          header: {
            msg_id: msgId,
            msg_type: "execute_request",
            username: "test",
            session: "test",
            version: "5.3",
            date: new Date().toISOString(),
          },
          parent_header: {},
          metadata: {},
          content: {
            code,
            silent: false,
            store_history: true,
            user_expressions: {},
            allow_stdin: false,
            stop_on_error: true,
          },
          channel: "shell",
          buffers: [],
        }));
      });
    },
    close: () => ws.close(),
  };
}

Deno.test({
  name:
    "jupyter notebook runs a replay cell on the workspace's Deno kernel; interrupt stops the engines, not the kernel",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startNotebookServer({ port: undefined, quiet: true });
    const api = (path: string, init?: RequestInit) =>
      fetch(`${server.base}${path}${path.includes("?") ? "&" : "?"}token=${server.token}`, init);
    try {
      const specs = await (await api("/api/kernelspecs")).json();
      assert.ok(specs.kernelspecs.deno, `kernelspecs: ${Object.keys(specs.kernelspecs)}`);
      // What opening a notebook does: a session for its path, whose kernel starts in its folder.
      const session = await (await api("/api/sessions", {
        method: "POST",
        body: JSON.stringify({
          path: "01-oltp-throughput.ipynb",
          type: "notebook",
          kernel: { name: "deno" },
        }),
      })).json();
      const kernel = session.kernel;
      const k = await kernelClient(server.base, server.token, kernel.id);
      try {
        const replay = await k.execute(
          `const { notebookTables } = await import("../lib/runs.ts");
           const t = await notebookTables("oltp");
           [Deno.version.deno, t.oltp_throughput.length > 0]`,
        );
        assert.equal(replay.error, undefined, replay.stream);
        assert.match(replay.result ?? "", /"2\.9\.6", true/, `replay: ${JSON.stringify(replay)}`);

        let port = 0;
        const busy = k.execute(
          `const { startEngine } = await import("../lib/engines/mod.ts");
           const { memcachedCommand } = await import("../lib/engines/memcached/client.ts");
           const mc = await startEngine({ engine: "memcached" });
           console.log("PORT " + mc.primary.port);
           while (true) { await memcachedCommand(mc.primary, "version"); await new Promise((r) => setTimeout(r, 100)); }`,
          (text) => {
            const m = text.match(/PORT (\d+)/);
            if (m) port = Number(m[1]);
          },
        );
        await waitUntil(() => port ? Promise.resolve() : Promise.reject(new Error("no port yet")), {
          timeoutMs: 30_000,
        });
        assert.equal(await portAnswers(port), true);
        const interrupted = await api(`/api/kernels/${kernel.id}/interrupt`, { method: "POST" });
        assert.equal(interrupted.status, 204);
        const cell = await busy;
        assert.equal(cell.status, "error", "the interrupted cell fails");
        assert.equal(await portAnswers(port), false, "its engine was stopped");
        const after = await k.execute("1 + 1");
        assert.equal(after.result, "2", "the kernel survived with its state");
      } finally {
        k.close();
        await api(`/api/sessions/${session.id}`, { method: "DELETE" });
      }
    } finally {
      await server.stop();
    }
  },
});

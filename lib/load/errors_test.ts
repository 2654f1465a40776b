import assert from "node:assert/strict";
import { classifyError } from "./errors.ts";
import { withRetry } from "./retry.ts";
import type { ErrorClass } from "./errors.ts";

const withProps = (msg: string, props: Record<string, unknown>) =>
  Object.assign(new Error(msg), props);

Deno.test("classifyError: PostgreSQL, MySQL/MariaDB, sockets, Deno errors, causes", () => {
  assert.equal(classifyError(withProps("x", { code: "40001" })), "serialization_failure");
  assert.equal(classifyError(withProps("x", { code: "40P01" })), "deadlock");
  assert.equal(classifyError(withProps("x", { code: "57014" })), "timeout");
  assert.equal(classifyError(withProps("x", { code: "08006" })), "connection");
  // mysql2 deadlock: errno 1213, SQLSTATE 40001: must be a deadlock, not a serialization failure
  assert.equal(
    classifyError(withProps("Deadlock found", {
      errno: 1213,
      code: "ER_LOCK_DEADLOCK",
      sqlState: "40001",
    })),
    "deadlock",
  );
  assert.equal(classifyError(withProps("Lock wait", { errno: 1205 })), "timeout");
  assert.equal(classifyError(withProps("refused", { code: "ECONNREFUSED" })), "connection");
  assert.equal(classifyError(withProps("reset", { code: "ECONNRESET" })), "connection");
  assert.equal(classifyError(new Deno.errors.ConnectionRefused("no")), "connection");
  assert.equal(classifyError(new Deno.errors.TimedOut("slow")), "timeout");
  assert.equal(classifyError(new Error("Query read timeout")), "timeout");
  assert.equal(classifyError(new Error("Connection is closed.")), "connection");
  assert.equal(
    classifyError(new Error("wrapped", { cause: withProps("inner", { code: "40P01" }) })),
    "deadlock",
  );
  assert.equal(
    classifyError(new AggregateError([withProps("a", { code: "ECONNREFUSED" })], "")),
    "connection",
  );
  assert.equal(classifyError(new Error("syntax error at or near")), "other");
  assert.equal(classifyError("a string"), "other");
  assert.equal(classifyError(null), "other");
});

Deno.test("withRetry: retries retryable classes, reports each retry, rethrows the rest", async () => {
  const seen: ErrorClass[] = [];
  const sink = { retry: (c: ErrorClass) => seen.push(c) };
  let calls = 0;
  const v = await withRetry((attempt) => {
    calls++;
    if (attempt < 2) throw withProps("conflict", { code: "40001" });
    return "ok";
  }, { maxRetries: 3, sink });
  assert.equal(v, "ok");
  assert.equal(calls, 3);
  assert.deepEqual(seen, ["serialization_failure", "serialization_failure"]);

  seen.length = 0;
  await assert.rejects(
    withRetry(() => {
      throw withProps("bad", { code: "42601" });
    }, { maxRetries: 5, sink }),
    /bad/,
  );
  assert.equal(seen.length, 0);

  await assert.rejects(
    withRetry(() => {
      throw withProps("dl", { code: "40P01" });
    }, { maxRetries: 2, sink, backoffMs: 1 }),
    /dl/,
  );
  assert.deepEqual(seen, ["deadlock", "deadlock"]);

  await assert.rejects(
    withRetry(() => 1, { maxRetries: -1 }),
    /withRetry: maxRetries must be an integer >= 0, got -1/,
  );
  const onlyTimeouts = await withRetry((a) => {
    if (a === 0) throw new Error("timed out");
    return a;
  }, { maxRetries: 1, retryOn: ["timeout"] });
  assert.equal(onlyTimeouts, 1);
});

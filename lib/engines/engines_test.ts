// Real engines, really started: every native engine starts, answers, reports its version and
// stops leaving nothing; replicas follow; faults work; errors are one clear line.

import assert from "node:assert/strict";
import { EngineError, ENGINES, EngineUnavailable, runningCount, startEngine } from "./mod.ts";
import { connectPostgres, queryPostgres } from "./postgres/client.ts";
import { connectRedis, redisCommand } from "./redis/client.ts";
import { queryMariadb } from "./mariadb/client.ts";
import { waitForReplica } from "./mariadb/mod.ts";
import { memcachedCommand } from "./memcached/client.ts";
import { alive, tempDirs } from "./testing.ts";
import { portAnswers, waitUntil } from "./runtime/net.ts";
import type { EngineName } from "./mod.ts";

const NATIVE: EngineName[] = [
  "postgres",
  "mariadb",
  "redis",
  "memcached",
  "influxdb",
  "clickhouse",
];

for (const engine of NATIVE) {
  Deno.test(`${engine}: starts natively, answers a real query, reports its version, leaves nothing`, async () => {
    const label = uniqueLabel();
    const started = await startEngine({ engine, provider: "native", label });
    assert.equal(started.provider, "native");
    assert.match(started.version, /^\d+\.\d+/);
    assert.ok(ENGINES[engine].ping(started.primary));
    await ENGINES[engine].ping(started.primary);
    if (engine !== "clickhouse") assert.equal(started.primary.host, "127.0.0.1");
    assert.equal(tempDirs(label).length, 1, "one temp dir per engine");
    await started.stop();
    await started.stop(); // idempotent
    assert.deepEqual(tempDirs(label), [], "temp dir removed");
    if (engine !== "clickhouse") {
      assert.equal(await portAnswers(started.primary.port), false, "port closed");
    }
    assert.equal(runningCount(), 0);
  });
}

Deno.test("postgres: two async replicas follow the primary; a sync primary waits for remote_apply", async () => {
  await using pg = await startEngine({
    engine: "postgres",
    replicas: 2,
    replication: { mode: "sync", synchronousCommit: "remote_apply" },
  });
  assert.equal(pg.replicas.length, 2);
  await queryPostgres(pg.primary, "CREATE TABLE t (x int)");
  const client = await connectPostgres(pg.primary);
  try {
    for (let i = 0; i < 20; i++) await client.query("INSERT INTO t VALUES ($1)", [i]);
  } finally {
    await client.end();
  }
  // remote_apply: the first standby has applied every acknowledged commit — no wait needed.
  const [{ n }] = await queryPostgres<{ n: string }>(pg.replicas[0], "SELECT count(*) AS n FROM t");
  assert.equal(n, "20");
  const [{ in_recovery }] = await queryPostgres(
    pg.replicas[1],
    "SELECT pg_is_in_recovery() AS in_recovery",
  );
  assert.equal(in_recovery, true);
  await waitUntil(async () => {
    const [{ n }] = await queryPostgres<{ n: string }>(
      pg.replicas[1],
      "SELECT count(*) AS n FROM t",
    );
    assert.equal(n, "20");
  }, { timeoutMs: 5000 });
});

Deno.test("redis: a replica follows; pause, resume, kill and restart act on real processes", async () => {
  await using r = await startEngine({
    engine: "redis",
    replicas: 1,
    settings: { appendonly: "yes", appendfsync: "always" },
  });
  await redisCommand(r.primary, "SET", "k", "v1");
  await redisCommand(r.primary, "WAIT", 1, 2000);
  assert.equal(await redisCommand(r.replicas[0], "GET", "k"), "v1");

  const client = await connectRedis(r.primary, { commandTimeout: 300 });
  await r.pause();
  await assert.rejects(client.ping(), /timed out/i, "a paused server does not answer");
  client.disconnect();
  await r.resume();
  assert.equal(await redisCommand(r.primary, "PING"), "PONG");

  await r.kill();
  assert.equal(await portAnswers(r.primary.port), false, "killed");
  await r.restart();
  // appendfsync always: the acknowledged write survived the crash.
  assert.equal(await redisCommand(r.primary, "GET", "k"), "v1");
});

Deno.test("mariadb: a GTID replica follows the primary", async () => {
  await using m = await startEngine({ engine: "mariadb", replicas: 1 });
  await queryMariadb(
    m.primary,
    "CREATE DATABASE shop; CREATE TABLE shop.t (x int primary key); INSERT INTO shop.t VALUES (1),(2)",
  );
  await waitForReplica(m.replicas[0]);
  await waitUntil(async () => {
    const [row] = await queryMariadb<{ n: number }[]>(
      m.replicas[0],
      "SELECT count(*) AS n FROM shop.t",
    );
    assert.equal(Number(row.n), 2);
  }, { timeoutMs: 5000 });
});

Deno.test("errors: unknown engine and provider names are one line each", async () => {
  await assert.rejects(startEngine({ engine: "oracle" as EngineName }), (err: Error) => {
    assert.ok(err instanceof EngineError);
    assert.match(err.message, /^unknown engine "oracle"; known engines: postgres, mariadb/);
    return true;
  });
  await assert.rejects(
    startEngine({ engine: "redis", provider: "cloud" as "native" }),
    /^EngineError: unknown provider "cloud"; use one of: auto, native, docker, external$/,
  );
});

Deno.test("errors: a port taken, a server that fails to start (with its log), an external URL that does not answer", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    await assert.rejects(
      startEngine({ engine: "redis", port }),
      new RegExp(`redis: port ${port} on 127.0.0.1 is taken`),
    );
  } finally {
    listener.close();
  }
  const label = uniqueLabel();
  await assert.rejects(
    startEngine({ engine: "postgres", settings: { shared_buffers: "lots" }, label }),
    (err: Error) => {
      assert.ok(err instanceof EngineError);
      assert.match(
        err.message,
        /postgres primary exited during start-up; log .*invalid value for parameter "shared_buffers"/,
      );
      assert.ok(!err.message.includes("\n"));
      return true;
    },
  );
  assert.deepEqual(tempDirs(label), [], "failed start leaves nothing");

  Deno.env.set("BENCH_REDIS_URL", `redis://127.0.0.1:${port}`); // closed now
  try {
    await assert.rejects(
      startEngine({ engine: "redis" }),
      /redis: external primary at redis:\/\/127\.0\.0\.1:\d+ does not answer .*check BENCH_REDIS_URL/,
    );
  } finally {
    Deno.env.delete("BENCH_REDIS_URL");
  }
});

Deno.test("an engine that cannot run here is skipped with its reason, not failed", async () => {
  for (const engine of ["cockroachdb", "timescaledb"] as const) {
    await assert.rejects(startEngine({ engine }), (err: Error) => {
      assert.ok(err instanceof EngineUnavailable, `${engine}: ${err.message}`);
      assert.match(
        err.message,
        new RegExp(`^${engine} skipped: .*BENCH_${engine.toUpperCase()}_URL is not set$`),
      );
      return true;
    });
  }
});

Deno.test("memcached: settings reach the server (memory limit)", async () => {
  await using mc = await startEngine({ engine: "memcached", settings: { "memory-limit": 16 } });
  const stats = await memcachedCommand(mc.primary, "stats settings");
  assert.match(stats, /STAT maxbytes 16777216/);
});

function runFixture(engine: string, replicas: number, label: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./testdata/start_and_wait.ts", import.meta.url).pathname,
      engine,
      String(replicas),
      label,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  const readUntil = async (marker: string) => {
    while (!out.includes(marker)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`fixture ended before ${marker}: ${out}`);
      out += value;
    }
  };
  return { child, readUntil, output: () => out, reader };
}

/** A temp-dir label of this test alone: other runs on the machine may start engines too. */
function uniqueLabel(): string {
  return `test${crypto.randomUUID().slice(0, 8)}`;
}

function groupsOf(dir: string): number[] {
  try {
    return JSON.parse(Deno.readTextFileSync(`/tmp/${dir}/owner.json`)).groups.map((
      g: { pgid: number },
    ) => g.pgid);
  } catch {
    return [];
  }
}

Deno.test("SIGINT in the middle of start-up stops every engine the run started and removes its dirs", async () => {
  const label = uniqueLabel();
  const run = runFixture("postgres", 2, label);
  await run.readUntil("STARTING");
  // Wait until the primary's process group exists, i.e. start-up is under way.
  let pgids: number[] = [];
  await waitUntil(() => {
    const dirs = tempDirs(label);
    pgids = dirs.flatMap(groupsOf);
    if (pgids.length === 0) throw new Error("not yet");
    return Promise.resolve();
  }, { timeoutMs: 20_000, intervalMs: 20 });
  run.child.kill("SIGINT");
  const status = await run.child.status;
  await run.reader.cancel();
  await run.child.stderr.cancel();
  assert.equal(status.code, 130);
  assert.ok(!run.output().includes("STARTED"), "interrupted before start-up finished");
  assert.deepEqual(tempDirs(label), []);
  for (const pgid of pgids) assert.equal(alive(pgid, true), false, `process group ${pgid} gone`);
});

Deno.test("SIGTERM after start-up stops primary and replicas", async () => {
  const label = uniqueLabel();
  const run = runFixture("redis", 1, label);
  await run.readUntil("STARTED");
  const pgids = tempDirs(label).flatMap(groupsOf);
  assert.equal(pgids.length, 2);
  run.child.kill("SIGTERM");
  assert.equal((await run.child.status).code, 143);
  await run.reader.cancel();
  await run.child.stderr.cancel();
  assert.deepEqual(tempDirs(label), []);
  for (const pgid of pgids) assert.equal(alive(pgid, true), false);
});

Deno.test("after a SIGKILL of the runner, its watchdog kills the servers and removes the dirs", async () => {
  const label = uniqueLabel();
  const run = runFixture("postgres", 1, label);
  await run.readUntil("STARTED");
  const left = tempDirs(label);
  const pgids = left.flatMap(groupsOf);
  assert.equal(pgids.length, 2);
  run.child.kill("SIGKILL");
  await run.child.status;
  await run.reader.cancel();
  await run.child.stderr.cancel();
  // No handler runs on SIGKILL: only the watchdog can clean up, and must within 10 s.
  await waitUntil(() => {
    if (pgids.some((p) => alive(p, true)) || tempDirs(label).length > 0) {
      throw new Error(`still there: ${pgids.filter((p) => alive(p, true))} ${tempDirs(label)}`);
    }
    return Promise.resolve();
  }, { timeoutMs: 10_000, intervalMs: 100 });
});

Deno.test("the reaper kills the groups and removes the dir of a run whose owner is dead", async () => {
  const { processStartTicks, reapOrphans, TEMP_PREFIX, tempBase } = await import(
    "./runtime/cleanup.ts"
  );
  const dead = new Deno.Command("true").spawn();
  await dead.status;
  const server = new Deno.Command("setsid", { args: ["sleep", "60"] }).spawn();
  await waitUntil(() => Promise.resolve(processStartTicks(server.pid)!), { timeoutMs: 2000 });
  const dir = await Deno.makeTempDir({
    dir: tempBase(),
    prefix: `${TEMP_PREFIX}${uniqueLabel()}-`,
  });
  await Deno.writeTextFile(
    `${dir}/owner.json`,
    JSON.stringify({
      runnerPid: dead.pid,
      runnerStartTicks: "0",
      groups: [{ pgid: server.pid, startTicks: processStartTicks(server.pid) }],
    }),
  );
  assert.ok(await reapOrphans() >= 1);
  assert.equal((await server.status).signal, "SIGKILL");
  assert.equal(await Deno.stat(dir).then(() => true, () => false), false, "dir removed");
});

Deno.test("errors: a missing binary names the Debian package; a bad CLI name exits 2 with one line", async () => {
  const { requireBinary } = await import("./runtime/process.ts");
  assert.throws(
    () => requireBinary("/usr/lib/postgresql/99/bin/postgres", "postgresql-99"),
    /^EngineError: \/usr\/lib\/postgresql\/99\/bin\/postgres not found: install the Debian package postgresql-99/,
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./cli.ts", import.meta.url).pathname, "--engine", "oracle"],
  }).output();
  assert.equal(out.code, 2);
  const stderr = new TextDecoder().decode(out.stderr).trim();
  assert.equal(
    stderr,
    `error: unknown engine "oracle"; known engines: ${
      Object.keys(ENGINES).join(", ")
    }; see ./denow task engines --help`,
  );
});

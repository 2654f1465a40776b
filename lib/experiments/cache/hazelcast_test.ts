/**
 * Hazelcast, natively: a real member started by the test (loopback only, ready on a map
 * put/get, nothing left after stop), and the cache experiment's four parts at a tiny size on
 * the Hazelcast bindings: hit counts agree with the members' own, a restart of a lone member
 * loses every session and a two-member cluster's none, a member killed with no backups loses
 * entries and with one backup none.
 */

import assert from "node:assert/strict";
import { startEngine } from "../../engines/mod.ts";
import { memberStats } from "../../engines/hazelcast/mod.ts";
import type { NativeEngine } from "../../engines/runtime/native.ts";
import { experimentParams } from "../params.ts";
import { cacheConfig } from "./config.ts";

function javaPids(path: string): string[] {
  const out = new Deno.Command("pgrep", { args: ["-f", path], stdout: "piped" }).outputSync();
  return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean);
}

Deno.test({
  name: "hazelcast: a native member on 127.0.0.1 answers a map put/get and leaves nothing",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engine = await startEngine({
      engine: "hazelcast",
      settings: { "eviction-policy": "LRU", "max-size-policy": "USED_HEAP_SIZE", size: 1 },
    });
    const dir = (engine as NativeEngine).runDir.path;
    try {
      assert.equal(engine.provider, "native");
      assert.equal(engine.version, "5.7.0");
      assert.equal(engine.primary.host, "127.0.0.1");
      assert.ok(engine.primary.port < 32768, `port ${engine.primary.port}`);
      const ss = new Deno.Command("ss", { args: ["-ltnH"], stdout: "piped" }).outputSync();
      const listening = new TextDecoder().decode(ss.stdout).split("\n")
        .filter((l) => l.includes(`:${engine.primary.port} `));
      assert.ok(listening.length > 0, "member port listens");
      assert.ok(listening.every((l) => l.includes("127.0.0.1:")), listening.join("; "));
      const s = await memberStats(engine);
      assert.equal(s.members, 1);
      assert.ok(s.heapMaxBytes <= 256 * 1024 * 1024 + 1, `heap ${s.heapMaxBytes}`);
      assert.ok(javaPids(dir).length > 0, "the member runs from its temp dir");
    } finally {
      await engine.stop();
    }
    assert.deepEqual(javaPids(dir), [], "no member left after stop");
    assert.throws(() => Deno.statSync(dir));
  },
});

Deno.test({
  name: "cache on Hazelcast: the four parts at a tiny size, counted and checked",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { runCache } = await import("./mod.ts");
    const quick = cacheConfig(experimentParams({ scale: "quick" }));
    const config = cacheConfig(experimentParams({ scale: "quick", repetitions: 1 }), {
      engines: ["hazelcast", "hazelcast-near"],
      skews: [0.99],
      budgetsPct: [10],
      policies: ["lru"],
      measuredOps: 300,
      warmupOps: 500,
      consistency: { ...quick.consistency, strategies: ["delete_on_write"], durationS: 0.3 },
      sessions: { ...quick.sessions, durationS: 0.2, restartCount: 200, restartSample: 20 },
      cluster: { ...quick.cluster, entries: 600, baselineS: 0.3 },
    });
    const logs: string[] = [];
    const tables = await runCache(config, {
      plan() {},
      step() {},
      skip: (_n, r) => {
        throw new Error(`skipped: ${r}`);
      },
      log: (l) => logs.push(l),
      detail() {},
    });
    const rows = (t: keyof typeof tables, metric: string, where: Record<string, string> = {}) =>
      tables[t].filter((r) =>
        r.metric === metric && Object.entries(where).every(([k, v]) => String(r[k]) === v)
      );
    for (const engine of ["hazelcast", "hazelcast-near"]) {
      const agree = rows("cache_hit_ratio", "hit_accounting_agree", { engine });
      assert.equal(agree.length, 1, engine);
      assert.equal(agree[0].value, 1, `${engine}: ${logs.join("; ")}`);
      assert.ok(rows("cache_hit_ratio", "hit_ratio", { engine })[0].value > 0);
      assert.equal(rows("cache_consistency", "stale_rate", { engine, source: "all" }).length, 1);
    }
    const lost = (persistence: string, restart: string) =>
      rows("cache_sessions", "lost_fraction", { persistence, restart })[0].value;
    assert.equal(lost("none", "crash"), 1);
    assert.equal(lost("backup_1_of_2", "clean"), 0);
    assert.equal(lost("backup_1_of_2", "crash"), 0);
    const killed = (b: string) =>
      rows("cache_cluster", "entries_lost", { event: "kill", backup_count: b })[0].value;
    assert.ok(killed("0") > 0, "a member's partitions are gone without backups");
    assert.equal(killed("1"), 0);
    const join = rows("cache_cluster", "join_time", { event: "join" });
    assert.equal(join.length, 1);
    assert.equal(rows("cache_cluster", "entries_lost", { event: "join" })[0].value, 0);
    assert.ok(rows("cache_cluster", "migration_time")[0].value > 0);
  },
});

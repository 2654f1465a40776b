// The partitioning-and-sharding experiment end to end on real engines at a tiny size: pruning
// seen in the plans, retention by DROP costing less WAL than DELETE, pg_partman retiring
// partitions, shards counted by the shards themselves agreeing with the router and the model,
// both cross-shard transfer modes checked, keys moved on a real Memcached pool equal to the
// computed share, a real Redis Cluster resharded under writes with every write read back,
// and cross-slot multi-key operations refused only on the cluster.

import assert from "node:assert/strict";
import { experimentParams } from "../params.ts";
import type { Progress } from "../experiment.ts";
import { shardingConfig } from "./config.ts";
import { runSharding } from "./mod.ts";
import * as S from "./summary.ts";

const quick = experimentParams({ scale: "quick", repetitions: 1 });

Deno.test("sharding: bad configuration is one clear line", () => {
  assert.throws(
    () => shardingConfig(quick, { shards: { counts: [3] } }),
    /^Error: sharding: shard counts must be powers of two/,
  );
  assert.throws(() => shardingConfig(quick, { engines: ["nope"] }), /sharding: no binding "nope"/);
  assert.throws(
    () => shardingConfig(quick, { reshard: { slots: 0 } }),
    /sharding: reshard.slots must be an integer/,
  );
  assert.throws(
    () => shardingConfig(quick, { partitioning: { maintenanceRetentionDays: 9 } }),
    /maintenanceRetentionDays/,
  );
});

Deno.test("sharding: a tiny run measures every part and its checks hold", async () => {
  const config = shardingConfig(quick, {
    partitioning: {
      events: 4000,
      orders: 4000,
      partitionCounts: [10, 40],
      rowInserts: 20,
      planningRuns: 2,
      queryRuns: 1,
    },
    shards: {
      durationS: 0.15,
      skewRequests: 300,
      accounts: 100,
      transferS: 0.25,
      modelShards: [1, 2, 4],
    },
    rebalance: { keys: 1000, requests: 500, windows: 1, computedKeys: 2000, computedNodes: [2, 4] },
    reshard: { prefill: 300, slots: 40, baselineS: 0.2, tailS: 0.2 },
    sessions: { users: 100, durationS: 0.25 },
  });
  const seen = { planned: 0, steps: 0, skipped: 0 };
  const progress: Progress = {
    plan: (n) => (seen.planned = n),
    step: () => seen.steps++,
    skip: (n) => (seen.skipped += n),
    log() {},
    detail() {},
  };
  const t = await runSharding(config, progress);
  assert.equal(seen.steps + seen.skipped, seen.planned, "every planned step ran or was skipped");
  for (const rows of Object.values(t)) assert.deepEqual(S.skipped(rows), []);

  // Part 1: the plans show pruning; retention by DROP writes far less WAL and leaves no dead rows.
  const p = t.sharding_partitioning;
  assert.equal(S.planFact(p, "partitions_scanned", "events", "partitioned", 1), 1);
  assert.equal(S.planFact(p, "partitions_scanned", "events", "partitioned_no_pruning", 1), 7);
  assert.equal(
    S.planFact(p, "rows_matched", "orders", "partitioned", 24 * 91),
    S.planFact(p, "rows_matched", "orders", "plain", 24 * 91),
  );
  assert.equal(
    S.retentionFact(p, "plain", "rows_removed"),
    S.retentionFact(p, "partitioned", "rows_removed"),
  );
  assert.ok(
    S.retentionFact(p, "partitioned", "wal_bytes") < S.retentionFact(p, "plain", "wal_bytes"),
  );
  assert.ok(S.retentionFact(p, "plain", "dead_pct") > 5);
  assert.equal(S.maintenanceFact(p, "default_rows"), 0);
  // Whole days kept: the oldest row is less than `retention` days old, and not by a day.
  const age = S.maintenanceFact(p, "oldest_age_days");
  const keep = config.partitioning.maintenanceRetentionDays;
  assert.ok(age <= keep && age > keep - 1, `oldest row ${age} days old`);
  assert.ok(S.maintenanceFact(p, "partitions_dropped") > 0);

  // Part 2: both paths answered; the shards' own counts match the router's and the model.
  const s = t.sharding_shards;
  for (const path of ["router", "plproxy"]) {
    for (const n of [1, 2]) {
      assert.ok(S.shardLatency(s, "latency_p50", path, "scatter", n).mean > 0);
    }
  }
  for (const key of ["customer", "order_id", "region"]) {
    assert.equal(
      S.measured(s, "shard_queries", key, 2),
      S.measured(s, "shard_queries_routed", key, 2),
    );
  }
  assert.ok(S.modelAgreement(s).maxGap < 0.1, `model gap ${S.modelAgreement(s).maxGap}`);
  assert.ok(
    S.measured(s, "queries_per_request", "order_id", 2) > 1.1,
    "listings scatter under order id",
  );
  assert.ok(S.projectedThroughput(s, "customer", 0.99, 4) > 0);
  assert.deepEqual(S.transferTally(s), { runs: 2, valid: 2 });
  assert.ok(
    S.transfer(s, "statements_per_transfer", "two_phase_commit").mean >
      S.transfer(s, "statements_per_transfer", "saga").mean,
  );

  // Part 3: on the real pool exactly the computed keys moved; the reshard lost nothing.
  const r = t.sharding_rebalance;
  assert.ok(S.poolAgreement(r) < 1e-9, `pool gap ${S.poolAgreement(r)}`);
  assert.ok(S.pool(r, "keys_moved_measured", "modulo") > 0.5);
  assert.ok(S.pool(r, "keys_moved_measured", "jump") < 0.4);
  assert.equal(S.pool(r, "hit_ratio", "ketama", "before"), 1);
  assert.equal(S.reshardTotal(r, "lost_writes"), 0);
  assert.equal(S.reshardTotal(r, "wrong_values"), 0);
  assert.equal(S.reshard(r, "all_slots_served").mean, 1);
  assert.equal(S.reshard(r, "slots_moved").mean, 40);
  assert.ok(t.sharding_reshard_timeline.length > 0);

  // Part 4: an atomic merge across slots is refused by the cluster, never by one server.
  const z = t.sharding_sessions;
  assert.ok(S.sessionFailure(z, "redis-cluster", "merge_untagged") > 0.99);
  assert.equal(S.sessionFailure(z, "redis-cluster", "merge_tagged"), 0);
  assert.equal(S.sessionFailure(z, "redis", "merge_untagged"), 0);
});

// The failover experiment: configuration errors, the plan, the re-check on saved histories
// (agreeing and disagreeing), and real crashes and partitions at quick scale: Patroni killed
// and partitioned, a Galera node cut off from the other two, a Redis primary cut off from its
// replicas and sentinels.
import assert from "node:assert/strict";
import { experimentParams } from "../params.ts";
import { recordingProgress } from "../testing.ts";
import { encodeIds, type FailoverOp } from "../../checks/failover.ts";
import { collectProvenance, ResultSet } from "../../results/mod.ts";
import { FAILOVER, failoverConfig, plannedSteps, recheckFailover, runFailover } from "./mod.ts";
import { toHistoryRow, verdicts } from "./summary.ts";

const quick = experimentParams({ scale: "quick", repetitions: 1 });

Deno.test("config: one-line errors, the plan follows the bindings", () => {
  assert.throws(() => failoverConfig(quick, { killRounds: 0 }), /^Error: failover: killRounds/);
  assert.throws(() => failoverConfig(quick, { engines: ["nope"] }), /no binding "nope"/);
  const c = failoverConfig(quick);
  // patroni: 2 modes × (1 kill + 1 partition); redis-sentinel: 2 modes × (1 kill + 1
  // partition) + min_replicas × 1 partition; galera: 1 partition, commit cost and two
  // read-modify-write variants; distance: 2 round trips × 2 steps.
  assert.equal(plannedSteps(c), 17);
  // One name selects both of galera's bindings.
  const g = failoverConfig(quick, { engines: ["galera"] });
  assert.deepEqual([g.bindings.length, g.multiPrimaryBindings.length], [1, 1]);
  assert.equal(
    plannedSteps({ ...c, modes: ["async"], multiPrimaryBindings: [], distanceBindings: [] }),
    2,
  );
});

Deno.test("recheck: the same history gives the same verdicts; a changed one is caught", async () => {
  const ops: FailoverOp[] = [
    {
      session: "w-n1",
      node: "n1",
      f: "write",
      key: 1,
      value: 1,
      invokeMs: 0,
      completeMs: 1,
      outcome: "ok",
    },
    {
      session: "nemesis",
      node: "n1",
      f: "fault",
      key: 0,
      value: "kill n1",
      invokeMs: 5,
      completeMs: 5,
      outcome: "ok",
    },
    {
      session: "w-n2",
      node: "n2",
      f: "write",
      key: 2,
      value: 2,
      invokeMs: 900,
      completeMs: 901,
      outcome: "ok",
    },
    {
      session: "checker",
      node: "n2",
      f: "final_read",
      key: 0,
      value: encodeIds([2]),
      invokeMs: 950,
      completeMs: 951,
      outcome: "ok",
    },
  ];
  const id = "s/async/kill/0";
  const set = new ResultSet(await collectProvenance());
  const run = set.run({
    experiment: FAILOVER,
    engine: "s",
    engine_version: "1",
    provider: "native",
    engine_config: "defaults",
    scale: "quick",
    seed: 1,
    repetition: 0,
    dims: { store: "s", mode: "async", fault: "kill", history: id },
  });
  for (const v of verdicts(ops)) run.add(v.metric, v.value, v.unit);
  const tables = { [FAILOVER]: set.rows() };
  const lost = tables[FAILOVER].find((r) => r.metric === "lost_acked_writes")!;
  assert.equal(lost.value, 1);
  const history = ops.map((o) => toHistoryRow(id, o));
  const same = recheckFailover({ failover: history }, tables);
  assert.deepEqual(same.mismatches, []);
  assert.ok(same.checked >= 9);
  const healed = history.map((r) => r.f === "final_read" ? { ...r, value: "1-2" } : r);
  const diff = recheckFailover({ failover: healed }, tables);
  assert.ok(
    diff.mismatches.some((m) => /lost_acked_writes saved 1, now 0/.test(m)),
    diff.mismatches.join("\n"),
  );
});

Deno.test({
  name: "real: a Patroni primary killed and a Patroni primary partitioned (quick)",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const config = failoverConfig(quick, { engines: ["patroni"], modes: ["async"] });
    const { seen, progress } = recordingProgress();
    const out = await runFailover(config, progress);
    const rows = out.tables[FAILOVER];
    if (seen.skipped.length) {
      // Only a machine that cannot create network namespaces may skip, and it says why.
      assert.match(seen.skipped[0][1], /namespace|root/);
      return;
    }
    assert.deepEqual(seen.steps, ["patroni/async/kill/0", "patroni/async/partition/0"]);
    const m = (fault: string, metric: string) =>
      rows.find((r) => r.fault === fault && r.metric === metric)?.value;
    for (const fault of ["kill", "partition"]) {
      assert.equal(m(fault, "takeover"), 1, `${fault}: another node took writes`);
      assert.ok(Number(m(fault, "acked_writes")) > 50, `${fault}: writes acknowledged`);
      assert.equal(m(fault, "phantom_writes"), 0);
      assert.ok(Number(m(fault, "unavailable_ms")) > 500, `${fault}: a failover takes time`);
    }
    assert.deepEqual(recheckFailover(out.histories, out.tables).mismatches, []);
  },
});

Deno.test({
  name: "real: a Galera node cut off from the other two (quick)",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const config = failoverConfig(quick, { engines: ["galera"], multiPrimaryBindings: [] });
    const { seen, progress } = recordingProgress();
    const out = await runFailover(config, progress);
    const rows = out.tables[FAILOVER];
    if (seen.skipped.length) {
      assert.match(seen.skipped[0][1], /namespace|root/);
      return;
    }
    assert.deepEqual(seen.steps, ["galera/multi_primary/partition/0"]);
    const m = (metric: string) => rows.find((r) => r.metric === metric)?.value;
    assert.equal(m("takeover"), 1, "the majority took writes again");
    assert.ok(Number(m("acked_writes")) > 50);
    assert.equal(m("phantom_writes"), 0);
    assert.equal(m("lost_acked_writes"), 0, "the majority's writes survive the heal");
    assert.equal(m("diverged_ids"), 0, "every node holds the same ids after the heal");
    assert.equal(m("two_primaries"), 0, "the minority refused writes");
    assert.ok(Number(m("failed_writes")) > 0, "the minority refused some writes");
    assert.deepEqual(recheckFailover(out.histories, out.tables).mismatches, []);
  },
});

Deno.test({
  name: "real: a Redis primary cut off from its replicas and sentinels, with and without " +
    "min-replicas-to-write (quick)",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const config = failoverConfig(quick, {
      engines: ["redis-sentinel"],
      faults: ["partition"],
      modes: ["no_wait", "min_replicas"],
    });
    const { seen, progress } = recordingProgress();
    const out = await runFailover(config, progress);
    const rows = out.tables[FAILOVER];
    if (seen.skipped.length) {
      assert.match(seen.skipped[0][1], /namespace|root/);
      return;
    }
    assert.deepEqual(seen.steps, [
      "redis-sentinel/no_wait/partition/0",
      "redis-sentinel/min_replicas/partition/0",
    ]);
    const m = (mode: string, metric: string) =>
      rows.find((r) => r.mode === mode && r.metric === metric)?.value;
    for (const mode of ["no_wait", "min_replicas"]) {
      assert.equal(m(mode, "takeover"), 1, `${mode}: a replica was promoted`);
      assert.equal(m(mode, "phantom_writes"), 0);
    }
    // The classic split brain: the cut-off primary went on acknowledging, the heal lost it.
    assert.ok(Number(m("no_wait", "isolated_acks")) > 0, "no_wait: the old primary acked");
    assert.ok(Number(m("no_wait", "lost_acked_writes")) > 0, "no_wait: acked writes were lost");
    // min-replicas-max-lag 1: the old primary stops within about two seconds of the cut.
    assert.ok(Number(m("min_replicas", "isolated_refused_ms")) < 4000, "min_replicas refuses");
    assert.ok(
      Number(m("min_replicas", "isolated_ack_ms")) < Number(m("no_wait", "isolated_ack_ms")),
      "min_replicas: the old primary stopped acknowledging sooner",
    );
    assert.deepEqual(recheckFailover(out.histories, out.tables).mismatches, []);
  },
});

// The event-sourcing experiment end to end on real engines at a tiny size (PostgreSQL, Redis
// and NATS started by the project): both store modes measured, every feed's projectors caught
// up, the read models equal to a from-scratch rebuild after crashes, every saga checked valid.

import assert from "node:assert/strict";
import { experimentParams } from "../params.ts";
import { recordingProgress } from "../testing.ts";
import { eventsourcing, eventSourcingConfig, runEventSourcing, SAGA_HISTORY } from "./mod.ts";
import { rebuildAll, type StoredEvent } from "./domain.ts";

const quick = experimentParams({ scale: "quick", repetitions: 1 });

Deno.test("eventsourcing: bad configuration is one clear line", () => {
  assert.throws(
    () => eventSourcingConfig(quick, { saga: { declineRate: 1 } }),
    /^Error: eventsourcing: saga.declineRate must be in \[0, 1\)/,
  );
  assert.throws(() => eventSourcingConfig(quick, { engines: ["nope"] }), /no binding "nope"/);
});

Deno.test("eventsourcing: the pure projections fold a lifecycle", () => {
  const ev = (position: number, version: number, type: string): StoredEvent => ({
    position,
    tx: position,
    stream: "order-1",
    version,
    type,
    payload: { order: 1, customer: 5, lines: [{ product: 3, quantity: 2, priceCents: 100 }] },
  });
  const m = rebuildAll([
    ev(1, 1, "OrderPlaced"),
    ev(2, 2, "StockReserved"),
    ev(3, 3, "OrderCancelled"),
  ]);
  assert.equal(m.order_status.get("1"), "cancelled@3");
  assert.equal(m.sales.get("3"), "0");
  assert.equal(m.storefront.get("5:1"), "cancelled");
});

Deno.test("eventsourcing: a tiny run measures every part and its checks hold", async () => {
  const config = eventSourcingConfig(quick, {
    store: { durationS: 0.3, hotDurationS: 0.2, hotStreams: [1] },
    feeds: { durationS: 0.5 },
    rebuild: { sizes: [2000], lengths: [10, 200], loads: 3 },
    faults: { durationS: 1.2 },
    saga: { sagas: 80, timeoutRates: [0.2], crashRate: 0.1 },
  });
  const { seen, progress } = recordingProgress();
  const out = await runEventSourcing(config, progress);
  assert.equal(seen.steps.length + seen.skipped.reduce((n, [k]) => n + k, 0), seen.planned);
  const t = out.tables;
  for (const rows of Object.values(t)) {
    assert.deepEqual(rows.filter((r) => r.metric === "skipped").map((r) => r.reason), []);
  }
  const val = (table: string, metric: string, where: Record<string, string | number>) =>
    t[table].filter((r) =>
      r.metric === metric && Object.entries(where).every(([k, v]) => String(r[k]) === String(v))
    ).map((r) => Number(r.value));
  for (const mode of ["events", "crud"]) {
    assert.ok(
      val("eventsourcing_store", "throughput", { part: "lifecycle", mode, op: "place" })[0] > 0,
    );
    assert.ok(val("eventsourcing_store", "bytes_per_order", { part: "footprint", mode })[0] > 0);
  }
  for (const feed of ["poll", "notify", "nats"]) {
    for (const p of ["order_status", "sales", "storefront"]) {
      assert.ok(
        val("eventsourcing_feeds", "lag_count", { part: "lag", feed, projection: p })[0] > 0,
        `${feed} ${p}`,
      );
    }
    assert.ok(val("eventsourcing_feeds", "probes", { part: "ryow", feed })[0] > 0);
  }
  for (const p of ["order_status", "sales", "storefront"]) {
    const facts = ["missing", "phantom", "differing", "applied_twice"]
      .map((m) => `${m}=${val("eventsourcing_faults", m, { part: "check", projection: p })}`);
    assert.deepEqual(
      val("eventsourcing_faults", "valid", { part: "check", projection: p }),
      [1],
      `${p} differs from its rebuild after crashes: ${facts.join(" ")}`,
    );
  }
  assert.ok(val("eventsourcing_faults", "crashes", { part: "faults" })[0] >= 4);
  // The projector and the relay were killed as processes of their own (kill -9).
  assert.deepEqual(val("eventsourcing_faults", "crashes_sigkill", { part: "faults" }), [2]);
  assert.deepEqual(val("eventsourcing_faults", "relay_sigkill", { part: "faults" }), [1]);
  console.log(
    "relay killed after publish:",
    val("eventsourcing_faults", "relay_killed_after_publish", { part: "faults" }),
    "dropped:",
    val("eventsourcing_faults", "relay_duplicates_dropped", { part: "faults" }),
  );
  // A rebuild applies every stored event once (a feed that skipped or re-read would not).
  const rebuilds = t.eventsourcing_rebuild.filter((r) =>
    r.part === "rebuild" && r.metric === "events_applied"
  );
  assert.equal(rebuilds.length, 3);
  for (const r of rebuilds) {
    assert.equal(Number(r.value), Number(r.events), `${r.projection} rebuild: applied ${r.value}`);
  }
  assert.deepEqual(val("eventsourcing_saga", "valid", { part: "verdict" }), [1]);
  assert.ok(out.histories[SAGA_HISTORY].length >= 80);
  // Rates that size the default scale (shown, not asserted).
  console.log(
    t.eventsourcing_rebuild.filter((r) => r.metric === "events_per_s" || r.metric === "load_p50")
      .map((r) =>
        `${r.projection ?? r.snapshots} ${r.events ?? r.length}: ${Number(r.value).toFixed(1)}`
      )
      .join("; "),
  );
  const r = await eventsourcing.recheck!(out.histories, t);
  assert.deepEqual(r.mismatches, []);
  assert.ok(r.checked >= 1);
});

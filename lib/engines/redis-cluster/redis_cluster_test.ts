// A real Redis Cluster: 3 primaries + 3 replicas start and join, the topology reads back, a
// slot move carries its keys to the target, and stopping leaves no process or temp dir.

import assert from "node:assert/strict";
import { runningCount, startEngine } from "../mod.ts";
import { tempDirs } from "../testing.ts";
import { portAnswers } from "../runtime/net.ts";
import { clusterTopology, connectRedisCluster, keySlot, slotCount } from "./client.ts";
import { moveSlots } from "./reshard.ts";

Deno.test("redis-cluster: 3+3 nodes form a cluster, a slot move carries its keys, nothing is left", async () => {
  const label = `rc-test-${Deno.pid}`;
  const rc = await startEngine({ engine: "redis-cluster", label });
  try {
    assert.equal(rc.nodes.length, 6);
    assert.deepEqual(rc.replicas.map((r) => r.name), ["replica1", "replica2", "replica3"]);
    const topo = await clusterTopology(rc.primary);
    const primaries = topo.filter((n) => n.role === "primary");
    assert.equal(primaries.reduce((n, p) => n + slotCount(p), 0), 16384);
    assert.equal(topo.filter((n) => n.role === "replica").length, 3);

    const client = await connectRedisCluster(rc.nodes);
    const [from, to] = primaries;
    const lowest = from.slots[0][0];
    // Keys in the slots about to move (hash tags pick the slot).
    const keys: string[] = [];
    for (let i = 0; keys.length < 50; i++) {
      const k = `{t${i}}:k`;
      if (keySlot(k) >= lowest && keySlot(k) < lowest + 200) keys.push(k);
    }
    for (const k of keys) await client.set(k, k);
    const moved = await moveSlots(rc.primary, from.id, to.id, 200);
    assert.equal(moved.slots, 200);
    assert.equal(moved.keys, keys.length);
    for (const k of keys) assert.equal(await client.get(k), k);
    const after = await clusterTopology(rc.primary);
    assert.equal(slotCount(after.find((n) => n.id === to.id)!), slotCount(to) + 200);
    client.disconnect();
  } finally {
    await rc.stop();
  }
  assert.deepEqual(tempDirs(label), []);
  assert.equal(runningCount(), 0);
  for (const n of rc.nodes) assert.equal(await portAnswers(n.port), false, `${n.name} stopped`);
});

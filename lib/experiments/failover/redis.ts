/**
 * Redis with Sentinel bound to the failover experiment: the session store (available). A write
 * is `SADD ids <id>` on one node; in `wait` mode it is followed by `WAIT 1 <timeout>` and
 * counts as acknowledged only when a replica confirmed it (a WAIT that returns 0 leaves the
 * outcome unknown: the primary has the write, no replica is known to). In `min_replicas` mode
 * the servers run with `min-replicas-to-write 1` and `min-replicas-max-lag 1`: a primary that
 * heard from no replica for a second refuses writes (NOREPLICAS). A replica refuses writes
 * (READONLY); a refused connection is a definite failure.
 *
 * The partition (the engine in network namespaces) cuts the primary off from the replicas and
 * the sentinels while its clients still reach it: the classic split brain, in which the old
 * primary acknowledges writes that its demotion after the heal throws away.
 *
 * @module
 */

import type { Redis } from "ioredis";
import type { Engine, EngineNode } from "../../engines/mod.ts";
import { connectRedis, redisCommand } from "../../engines/redis/client.ts";
import { asSentinelLab, sentinelPrimary, sentinelsOf } from "../../engines/redis-sentinel/mod.ts";
import { waitUntil } from "../../engines/runtime/net.ts";
import { type FailoverBinding, type FailoverMode, type FailoverStore, Refused } from "./binding.ts";

/** Milliseconds a `WAIT` gives a replica to confirm. */
const WAIT_MS = 500;

class SentinelStore implements FailoverStore {
  private clients = new Map<string, Redis>();
  private dead = new Set<string>();
  readonly nodes: string[];

  constructor(private readonly engine: Engine, private readonly wait: boolean) {
    this.nodes = this.dataNodes().map((n) => n.name);
  }

  private dataNodes(): EngineNode[] {
    return this.engine.nodes.filter((n) => n.role === "primary" || n.role === "replica");
  }

  private node(name: string): EngineNode {
    return this.dataNodes().find((n) => n.name === name)!;
  }

  async setup() {}

  async primary() {
    const p = await sentinelPrimary(sentinelsOf(this.engine));
    const n = this.dataNodes().find((d) => d.host === p.host && d.port === p.port);
    if (!n) throw new Error(`the sentinels name ${p.host}:${p.port}, not a node of this engine`);
    return n.name;
  }

  private async client(name: string): Promise<Redis> {
    const existing = this.clients.get(name);
    if (existing) return existing;
    try {
      const c = await connectRedis(this.node(name), { commandTimeout: WAIT_MS + 1000 });
      this.clients.set(name, c);
      return c;
    } catch (err) {
      throw new Refused(`connect ${name}: ${(err as Error).message}`);
    }
  }

  private drop(name: string) {
    this.clients.get(name)?.disconnect();
    this.clients.delete(name);
  }

  async write(name: string, id: number, _timeoutMs: number) {
    const c = await this.client(name);
    try {
      await c.sadd("ids", id);
    } catch (err) {
      const msg = (err as Error).message;
      if (/READONLY|MASTERDOWN|LOADING|NOREPLICAS/.test(msg)) throw new Refused(msg);
      this.drop(name);
      throw err;
    }
    if (this.wait) {
      let n: number;
      try {
        n = await c.call("WAIT", 1, WAIT_MS) as number;
      } catch (err) {
        this.drop(name);
        throw err;
      }
      if (n < 1) throw new Error(`WAIT: no replica confirmed within ${WAIT_MS} ms`);
    }
  }

  async kill(name: string) {
    this.drop(name);
    this.dead.add(name);
    await this.engine.kill(name);
  }

  async partition(name: string) {
    await asSentinelLab(this.engine).lab.partition(name);
  }

  async heal(name: string) {
    await asSentinelLab(this.engine).lab.heal(name);
  }

  async settle(timeoutMs: number) {
    await waitUntil(async () => {
      const p = await this.primary();
      const role = await redisCommand(this.node(p), "ROLE") as unknown[];
      if (role[0] !== "master") throw new Error(`${p} says ${role[0]}`);
      for (const n of this.dataNodes()) {
        if (n.name === p || this.dead.has(n.name)) continue;
        const r = await redisCommand(n, "ROLE") as unknown[];
        const want = this.node(p);
        if (
          r[0] !== "slave" || r[1] !== want.host || Number(r[2]) !== want.port ||
          r[3] !== "connected"
        ) {
          throw new Error(`${n.name} does not follow ${p} yet`);
        }
      }
    }, { timeoutMs, intervalMs: 100 });
  }

  async readIds() {
    const members = await redisCommand(this.node(await this.primary()), "SMEMBERS", "ids");
    return (members as string[]).map(Number);
  }

  close() {
    for (const name of [...this.clients.keys()]) this.drop(name);
    return Promise.resolve();
  }
}

/**
 * Redis Sentinel: plain asynchronous replication, `WAIT 1` after every write, and (partition
 * only: after a kill it behaves as plain) `min-replicas-to-write 1`.
 */
export const sentinelBinding: FailoverBinding = {
  name: "redis-sentinel",
  engine: "redis-sentinel",
  domain: "sessions",
  modes: [
    { name: "no_wait" },
    { name: "wait" },
    {
      name: "min_replicas",
      // Redis's own guard against this split brain: writes stop once no replica acknowledged
      // the replication stream for a second (1 s is the smallest lag the setting takes).
      settings: { "min-replicas-to-write": 1, "min-replicas-max-lag": 1 },
      faults: ["partition"],
    },
  ],
  recovers: false,
  faults: ["kill", "partition"],
  faultOptions: { partition: { netns: true } },
  open: (engine: Engine, mode: FailoverMode) =>
    Promise.resolve(new SentinelStore(engine, mode.name === "wait")),
};

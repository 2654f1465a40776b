/**
 * PostgreSQL under Patroni + etcd bound to the failover experiment: the orders store (CP).
 * Writes are `INSERT INTO w(id)` in autocommit through each node's own connection; a node in
 * recovery refuses them (SQLSTATE 25006), a client-side timeout or a connection lost mid-commit
 * leaves the outcome unknown.
 *
 * @module
 */

import pg from "pg";
import type { Engine, EngineNode } from "../../engines/mod.ts";
import { asPatroni, healthyPrimary, isPrimary } from "../../engines/patroni/mod.ts";
import { queryPostgres } from "../../engines/postgres/client.ts";
import { sleep, waitUntil } from "../../engines/runtime/net.ts";
import { type FailoverBinding, type FailoverStore, Refused } from "./binding.ts";

/** A server error code: the transaction did not commit (the server said so). */
function definite(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? "";
  // 57P01 (admin shutdown) and 08xxx (connection) can come after a commit was sent.
  return /^[0-9A-Z]{5}$/.test(code) && !code.startsWith("57") && !code.startsWith("08");
}

class PatroniStore implements FailoverStore {
  private clients = new Map<string, pg.Client>();
  readonly nodes: string[];

  constructor(private readonly engine: Engine) {
    this.nodes = asPatroni(engine).pgNodes.map((n) => n.name);
  }

  private node(name: string): EngineNode {
    return asPatroni(this.engine).pgNodes.find((n) => n.name === name)!;
  }

  async setup() {
    await queryPostgres(await this.primaryNode(), "create table w (id int primary key)");
  }

  private async primaryNode(): Promise<EngineNode> {
    for (const n of asPatroni(this.engine).pgNodes) {
      if (await isPrimary(n).catch(() => false)) return n;
    }
    throw new Error("no node answers as primary");
  }

  async primary() {
    return (await this.primaryNode()).name;
  }

  private async client(name: string): Promise<pg.Client> {
    const existing = this.clients.get(name);
    if (existing) return existing;
    const c = new pg.Client({
      connectionString: this.node(name).url,
      connectionTimeoutMillis: 1000,
    });
    c.on("error", () => this.drop(name, c));
    try {
      await c.connect();
    } catch (err) {
      c.end().catch(() => {});
      throw new Refused(`connect ${name}: ${(err as Error).message}`);
    }
    this.clients.set(name, c);
    return c;
  }

  private drop(name: string, c: pg.Client) {
    if (this.clients.get(name) === c) this.clients.delete(name);
    c.end().catch(() => {});
  }

  async write(name: string, id: number, timeoutMs: number) {
    const c = await this.client(name);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        c.query("insert into w (id) values ($1)", [id]),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (err) {
      if (definite(err)) throw new Refused((err as Error).message);
      this.drop(name, c); // a hung or broken connection: never reuse it
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(name: string) {
    this.dropAll(name);
    await this.engine.kill(name);
  }

  async partition(name: string) {
    await asPatroni(this.engine).lab.partition(name);
  }

  async heal(name: string) {
    await asPatroni(this.engine).lab.heal(name);
  }

  async recover(name: string) {
    await this.engine.restart(name);
  }

  async settle(timeoutMs: number) {
    const c = asPatroni(this.engine);
    await waitUntil(() => healthyPrimary(c.pgNodes, c.timers.synchronousMode), {
      timeoutMs,
      intervalMs: 200,
    });
  }

  async readIds() {
    const rows = await queryPostgres<{ id: number }>(await this.primaryNode(), "select id from w");
    return rows.map((r) => r.id);
  }

  diagnose(): string {
    const e = this.engine as unknown as { server?: (n: string) => { readLog(): string } };
    if (!e.server) return "";
    return this.nodes.map((n) => {
      const lines = e.server!(n).readLog().split("\n").filter((l) =>
        l.includes(" INFO: ") || l.includes("WARN") || l.includes("ERROR")
      );
      return `${n}: ${lines.filter((l) => !l.includes("no action")).slice(-4).join(" | ")}`;
    }).join("\n");
  }

  private dropAll(name: string) {
    const c = this.clients.get(name);
    if (c) this.drop(name, c);
  }

  async close() {
    for (const [name, c] of [...this.clients]) this.drop(name, c);
    await sleep(10);
  }
}

/** Patroni-managed PostgreSQL, asynchronous and in Patroni's synchronous_mode. */
export const patroniBinding: FailoverBinding = {
  name: "patroni",
  engine: "patroni",
  domain: "orders",
  modes: [
    { name: "async", options: { synchronousMode: false } },
    { name: "sync", options: { synchronousMode: true } },
  ],
  recovers: true,
  faults: ["kill", "partition"],
  open: (engine) => Promise.resolve(new PatroniStore(engine)),
};

/**
 * MariaDB Galera bound to the failover experiment twice. The multi-primary part:
 * read-modify-write increments of hot counters from every node at once (the P4 lost-update
 * check), certification conflicts counted, and the commit cost of synchronous replication
 * against the same server committing without it (`SET SESSION wsrep_on = OFF`). And the
 * partition scenario ({@link galeraPartitionBinding}): the three nodes in network namespaces,
 * one cut off from the other two; writes are autocommit `INSERT INTO w(id)` through each node.
 * A node outside the primary component refuses them (errno 1047, "WSREP has not yet prepared
 * node for application use"), a certification failure rolls one back (1213): both definite.
 *
 * @module
 */

import type mysql from "mysql2/promise";
import type { Engine, EngineNode } from "../../engines/mod.ts";
import { connectMariadb, queryMariadb } from "../../engines/mariadb/client.ts";
import { asGaleraCluster, wsrepStatus } from "../../engines/galera/mod.ts";
import { waitUntil } from "../../engines/runtime/net.ts";
import type { Binding } from "../binding.ts";
import { type FailoverBinding, type FailoverStore, Refused } from "./binding.ts";

/** An increment's outcome: committed, rolled back (certification or deadlock), unknown. */
export interface Increment {
  read: number;
  outcome: "ok" | "fail" | "info";
}

/** A multi-primary store open for the read-modify-write part. */
export interface MultiPrimaryStore {
  readonly nodes: readonly string[];
  /** Create `counters` counters at 0. */
  setup(counters: number): Promise<void>;
  /** A client session on a node. */
  session(node: string): Promise<MultiPrimarySession>;
  /** Final counter values (key → value), read on the first node. */
  readCounters(): Promise<Map<number, number>>;
  /** Certification failures and brute-force aborts so far, summed over nodes. */
  conflicts(): Promise<number>;
}

/** One client connection. */
export interface MultiPrimarySession {
  /** Read counter `key` (locking read or plain snapshot read), write read + 1, commit. */
  increment(key: number, lockingRead: boolean): Promise<Increment>;
  /** One single-row autocommit insert; `replicated` false runs it with wsrep off. */
  insert(id: number, replicated: boolean): Promise<void>;
  close(): Promise<void>;
}

/** A binding of the multi-primary part. */
export interface MultiPrimaryBinding extends Binding {
  readonly domain: string;
  open(engine: Engine): Promise<MultiPrimaryStore>;
}

class GaleraSession implements MultiPrimarySession {
  constructor(private readonly c: mysql.Connection) {}

  async increment(key: number, lockingRead: boolean): Promise<Increment> {
    let read = -1;
    try {
      await this.c.query("begin");
      const [rows] = await this.c.query(
        `select v from c where k = ?${lockingRead ? " for update" : ""}`,
        [key],
      );
      read = Number((rows as { v: number }[])[0].v);
      await this.c.query("update c set v = ? where k = ?", [read + 1, key]);
      await this.c.query("commit");
      return { read, outcome: "ok" };
    } catch (err) {
      await this.c.query("rollback").catch(() => {});
      // 1213: deadlock or certification failure; the transaction was rolled back.
      const errno = (err as { errno?: number }).errno;
      return { read, outcome: errno === 1213 || errno === 1205 ? "fail" : "info" };
    }
  }

  async insert(id: number, replicated: boolean) {
    await this.c.query(`set session wsrep_on = ${replicated ? "on" : "off"}`);
    await this.c.query(`insert into ${replicated ? "lat" : "lat_local"} (id) values (?)`, [id]);
  }

  close() {
    return this.c.end();
  }
}

class GaleraStore implements MultiPrimaryStore {
  readonly nodes: string[];
  constructor(private readonly engine: Engine) {
    this.nodes = engine.nodes.map((n) => n.name);
  }

  private node(name: string) {
    return this.engine.nodes.find((n) => n.name === name)!;
  }

  async setup(counters: number) {
    const n1 = this.engine.nodes[0];
    await queryMariadb(n1, "create table c (k int primary key, v int not null)");
    await queryMariadb(n1, "create table lat (id int primary key)");
    // Created on every node: with wsrep off for the session, nothing replicates.
    await queryMariadb(n1, "create table lat_local (id int primary key)");
    const values = Array.from({ length: counters }, (_, i) => `(${i + 1}, 0)`).join(",");
    await queryMariadb(n1, `insert into c values ${values}`);
  }

  async session(node: string) {
    return new GaleraSession(await connectMariadb(this.node(node), { multipleStatements: false }));
  }

  async readCounters() {
    const rows = await queryMariadb<{ k: number; v: number }[]>(
      this.engine.nodes[0],
      "select k, v from c",
    );
    return new Map(rows.map((r) => [Number(r.k), Number(r.v)]));
  }

  async conflicts() {
    let n = 0;
    for (const node of this.engine.nodes) {
      const s = await wsrepStatus(node);
      n += Number(s.wsrep_local_cert_failures ?? 0) + Number(s.wsrep_local_bf_aborts ?? 0);
    }
    return n;
  }
}

/** Galera, three nodes, every one taking writes. */
export const galeraBinding: MultiPrimaryBinding = {
  name: "galera",
  engine: "galera",
  domain: "orders",
  open: (engine) => Promise.resolve(new GaleraStore(engine)),
};

/** Server errors after which the statement is known not to have committed. */
const DEFINITE_ERRNO = new Set([
  1047, // ER_UNKNOWN_COM_ERROR: not in the primary component (wsrep_ready OFF)
  1213, // deadlock or certification failure: rolled back
  1205, // lock wait timeout
]);

class GaleraFailoverStore implements FailoverStore {
  private clients = new Map<string, mysql.Connection>();
  readonly nodes: string[];

  constructor(private readonly engine: Engine) {
    this.nodes = engine.nodes.map((n) => n.name);
  }

  private node(name: string): EngineNode {
    return this.engine.nodes.find((n) => n.name === name)!;
  }

  async setup() {
    await queryMariadb(this.engine.nodes[0], "create table w (id int primary key)");
  }

  /** Every node is a primary; the fault hits the first one that is synced. */
  async primary() {
    for (const n of this.engine.nodes) {
      const s = await wsrepStatus(n).catch(() => undefined);
      if (s?.wsrep_ready === "ON" && s.wsrep_local_state_comment === "Synced") return n.name;
    }
    throw new Error("no Galera node is synced");
  }

  private async client(name: string): Promise<mysql.Connection> {
    const existing = this.clients.get(name);
    if (existing) return existing;
    try {
      const c = await connectMariadb(this.node(name), {
        connectTimeout: 1000,
        multipleStatements: false,
      });
      c.on("error", () => this.drop(name, c));
      this.clients.set(name, c);
      return c;
    } catch (err) {
      throw new Refused(`connect ${name}: ${(err as Error).message}`);
    }
  }

  private drop(name: string, c: mysql.Connection) {
    if (this.clients.get(name) === c) this.clients.delete(name);
    c.destroy();
  }

  async write(name: string, id: number, timeoutMs: number) {
    const c = await this.client(name);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        c.query("insert into w (id) values (?)", [id]),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (err) {
      if (DEFINITE_ERRNO.has((err as { errno?: number }).errno ?? 0)) {
        throw new Refused((err as Error).message);
      }
      this.drop(name, c); // hung or broken: never reuse it
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(name: string) {
    const c = this.clients.get(name);
    if (c) this.drop(name, c);
    await this.engine.kill(name);
  }

  async partition(name: string) {
    await asGaleraCluster(this.engine).lab.partition(name);
  }

  async heal(name: string) {
    await asGaleraCluster(this.engine).lab.heal(name);
  }

  async settle(timeoutMs: number) {
    await waitUntil(async () => {
      for (const n of this.engine.nodes) {
        const s = await wsrepStatus(n);
        if (s.wsrep_local_state_comment !== "Synced" || Number(s.wsrep_cluster_size) !== 3) {
          throw new Error(
            `${n.name}: ${s.wsrep_local_state_comment}, size ${s.wsrep_cluster_size}`,
          );
        }
      }
    }, { timeoutMs, intervalMs: 200 });
  }

  async readIds() {
    return await this.readIdsOn(await this.primary());
  }

  async readIdsOn(name: string) {
    const rows = await queryMariadb<{ id: number }[]>(this.node(name), "select id from w");
    return rows.map((r) => Number(r.id));
  }

  diagnose(): string {
    return this.engine.nodes.map((n) => {
      let text = "";
      try {
        text = Deno.readTextFileSync(`${n.dataDir}/../error.log`);
      } catch { /* not written yet */ }
      const lines = text.split("\n").filter((l) => /WSREP|ERROR/.test(l)).slice(-3);
      return `${n.name}: ${lines.join(" | ")}`;
    }).join("\n");
  }

  close() {
    for (const [name, c] of [...this.clients]) this.drop(name, c);
    return Promise.resolve();
  }
}

/**
 * Galera's partition scenario: three nodes in network namespaces (engine option `netns`), the
 * first synced node cut off from the other two. Galera's own timers (evs.suspect_timeout 5 s by
 * default) decide when the minority stops taking writes and the majority resumes.
 */
export const galeraPartitionBinding: FailoverBinding = {
  name: "galera",
  engine: "galera",
  domain: "orders",
  modes: [{ name: "multi_primary" }],
  faults: ["partition"],
  faultOptions: { partition: { netns: true } },
  recovers: false,
  open: (engine) => Promise.resolve(new GaleraFailoverStore(engine)),
};

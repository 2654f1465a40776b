/**
 * MariaDB Galera bound to the failover experiment's multi-primary part: read-modify-write
 * increments of hot counters from every node at once (the P4 lost-update check), certification
 * conflicts counted, and the commit cost of synchronous replication against the same server
 * committing without it (`SET SESSION wsrep_on = OFF`).
 *
 * @module
 */

import type mysql from "mysql2/promise";
import type { Engine } from "../../engines/mod.ts";
import { connectMariadb, queryMariadb } from "../../engines/mariadb/client.ts";
import { wsrepStatus } from "../../engines/galera/mod.ts";
import type { Binding } from "../binding.ts";

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

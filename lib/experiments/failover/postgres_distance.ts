/**
 * PostgreSQL streaming replication across a distance, bound to the failover experiment's
 * distance part: a primary and one standby whose `primary_conninfo` points at a Toxiproxy
 * proxy in front of the primary (the postgres engine's `upstreamPort` option), so only the
 * replication stream crosses the added round trip; clients write beside the primary and the
 * lag probe reads beside the standby. The proxy is the binding's engine (started first: the
 * standby's upstream must exist before the standby does).
 *
 * The delay is Toxiproxy's `latency` toxic on both directions of the stream, half the round
 * trip each (lib/engines/toxiproxy/client.ts): WAL goes down, the standby's flush and apply
 * positions come back up, so a synchronous commit waits one whole round trip.
 *
 * @module
 */

import pg from "pg";
import { type Engine, type EngineNode, startEngine } from "../../engines/mod.ts";
import { queryPostgres } from "../../engines/postgres/client.ts";
import { freePort } from "../../engines/runtime/net.ts";
import {
  createProxy,
  setProxyEnabled,
  setRoundTrip,
  splitRoundTrip,
} from "../../engines/toxiproxy/client.ts";
import type { DistanceBinding, PathWriter, ReplicationPath } from "./binding.ts";

const PROXY = "pg-replication";

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  // A crashed primary ends connections with an error event; the caller sees the failed query.
  c.on("error", () => {});
  await c.connect();
  return c;
}

class PgWriter implements PathWriter {
  constructor(private readonly c: pg.Client) {}

  async insert(id: number) {
    await this.c.query({ name: "ins", text: "insert into w (id) values ($1)", values: [id] });
  }

  async close() {
    await this.c.end().catch(() => {});
  }
}

class PgPath implements ReplicationPath {
  private readonly clients: pg.Client[] = [];
  private lagClient?: pg.Client;
  readonly settings: Record<string, string>;

  constructor(
    readonly engine: Engine,
    private readonly proxy: Engine,
    private readonly listen: { host: string; port: number },
  ) {
    this.settings = {
      ...engine.settings,
      proxy: `toxiproxy ${proxy.version}`,
      // What one sweep point means: the latency toxic's ms down and up add up to the RTT.
      proxy_delay: "latency toxic per direction (down ceil(rtt/2) and up floor(rtt/2))",
    };
  }

  private get standby(): EngineNode {
    return this.engine.replicas[0];
  }

  async setup() {
    await queryPostgres(this.engine.primary, "create table w (id int primary key)");
  }

  async setRoundTrip(rttMs: number) {
    splitRoundTrip(rttMs); // one-line error before anything changes
    await setRoundTrip(this.proxy.primary, PROXY, rttMs);
  }

  async probeRoundTrip(samples: number): Promise<number> {
    // A client connection through the same proxy: each SELECT 1 crosses down and up once.
    const c = await connect(
      `postgres://postgres@${this.listen.host}:${this.listen.port}/postgres`,
    );
    try {
      const ms: number[] = [];
      for (let i = 0; i < samples; i++) {
        const t = performance.now();
        await c.query("select 1");
        ms.push(performance.now() - t);
      }
      ms.sort((a, b) => a - b);
      return ms[Math.floor(ms.length / 2)];
    } finally {
      await c.end().catch(() => {});
    }
  }

  async writer(level?: string): Promise<PathWriter> {
    const c = await connect(this.engine.primary.url);
    this.clients.push(c);
    // Session level: the synchronous standby stays configured, the wait per commit changes.
    if (level) await c.query(`set synchronous_commit = ${pg.escapeLiteral(level)}`);
    return new PgWriter(c);
  }

  async lagMs(): Promise<number> {
    this.lagClient ??= await connect(this.standby.url);
    // Same machine, same clock: now minus the commit time of the last transaction replayed.
    const { rows } = await this.lagClient.query<{ ms: number | null }>({
      name: "lag",
      text: "select extract(epoch from clock_timestamp() - pg_last_xact_replay_timestamp())" +
        " * 1000 as ms",
    });
    return Math.max(0, Number(rows[0].ms ?? 0));
  }

  async crashPrimary() {
    await Promise.all([
      setProxyEnabled(this.proxy.primary, PROXY, false),
      this.engine.kill("primary"),
    ]);
  }

  async promoteStandby() {
    await queryPostgres(this.standby, "select pg_promote(true, 30)");
  }

  async standbyIds(): Promise<number[]> {
    const rows = await queryPostgres<{ id: number }>(this.standby, "select id from w");
    return rows.map((r) => r.id);
  }

  async close() {
    for (const c of this.clients.splice(0)) await c.end().catch(() => {});
    await this.lagClient?.end().catch(() => {});
    await this.engine.stop();
  }
}

async function openPath(proxy: Engine, standby: "sync" | "async"): Promise<ReplicationPath> {
  // The primary's port is chosen here so the proxy can point at it before the primary exists.
  const primaryPort = freePort();
  const listen = { host: proxy.primary.host, port: freePort() };
  await createProxy(proxy.primary, {
    name: PROXY,
    listen: `${listen.host}:${listen.port}`,
    upstream: `127.0.0.1:${primaryPort}`,
  });
  const engine = await startEngine({
    engine: "postgres",
    port: primaryPort,
    replicas: 1,
    replication: standby === "sync" ? { mode: "sync", synchronousCommit: "on" } : { mode: "async" },
    options: { upstreamPort: listen.port },
    label: `distance-${standby}`,
  });
  return new PgPath(engine, proxy, listen);
}

/** PostgreSQL 15 with one standby behind Toxiproxy: synchronous (on, remote_apply) or async. */
export const postgresDistanceBinding: DistanceBinding = {
  name: "postgres-toxiproxy",
  engine: "toxiproxy",
  domain: "orders",
  // The external provider works when its proxies share this host's network; docker's do not.
  providers: ["external", "native"],
  syncLevels: ["on", "remote_apply"],
  open: openPath,
};

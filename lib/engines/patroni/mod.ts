/**
 * PostgreSQL 15 made highly available by Patroni 3 with an etcd 3 DCS (the recipe measured in
 * the team's shared ENGINES.md §2): three PostgreSQL nodes `n1..n3`, each run by its own Patroni,
 * and one etcd, every one in a network namespace of its own on a private bridge
 * (../runtime/netns.ts), so a partition is an nftables rule rather than a pause.
 *
 * Each Patroni node runs in a PID namespace of its own as well (`unshare --pid --kill-child`):
 * Patroni starts its postmaster in a new session, so a process-group kill alone would leave a
 * primary that still takes writes (ENGINES.md's trap). Killing the node's group ends the PID
 * namespace, and the kernel kills every process in it: `kill("n1")` is a crash of Patroni and
 * PostgreSQL together, like a machine losing power.
 *
 * Clients reach PostgreSQL through each node's Unix socket (node `url`: `?host=<socket dir>`),
 * which no network namespace owns: a client in the runner sees every node whatever the
 * partition, like a client on the same side as the node it talks to.
 *
 * Options (`EngineSpec.options`): `synchronousMode` (boolean, Patroni's `synchronous_mode`),
 * `ttl`, `loopWait`, `retryTimeout` (seconds, Patroni's DCS timers; default 6/1/2, the fastest
 * set measured in ENGINES.md: failover in about 5.5 s).
 *
 * @module
 */

import { EngineError, EngineUnavailable } from "../runtime/errors.ts";
import { NativeEngine, stringSettings } from "../runtime/native.ts";
import { NetLab } from "../runtime/netns.ts";
import { waitUntil } from "../runtime/net.ts";
import { exists, NativeServer, runTool } from "../runtime/process.ts";
import type { Engine, EngineDefinition, EngineNode, EngineSpec } from "../types.ts";
import { queryPostgres } from "../postgres/client.ts";

const PG_BIN = "/usr/lib/postgresql/15/bin";
const PATRONI = "/usr/bin/patroni";
const ETCD = "/usr/bin/etcd";
const UNSHARE = "/usr/bin/unshare";
/** PostgreSQL's port inside every node's namespace (each namespace has its own ports). */
export const PG_PORT = 5432;
const REST_PORT = 8008;
const ETCD_PORT = 2379;
const NODES = ["n1", "n2", "n3"] as const;

/** Patroni's DCS timers and replication mode, as started. */
export interface PatroniTimers {
  ttl: number;
  loopWait: number;
  retryTimeout: number;
  synchronousMode: boolean;
}

function timers(spec: EngineSpec): PatroniTimers {
  const o = spec.options ?? {};
  const num = (name: string, fallback: number) => {
    const v = o[name] ?? fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 120) {
      throw new EngineError(`patroni: options.${name} must be an integer 1..120 s, got ${v}`);
    }
    return v;
  };
  const sync = o.synchronousMode ?? false;
  if (typeof sync !== "boolean") {
    throw new EngineError(`patroni: options.synchronousMode must be a boolean, got ${sync}`);
  }
  const t = {
    ttl: num("ttl", 6),
    loopWait: num("loopWait", 1),
    retryTimeout: num("retryTimeout", 2),
    synchronousMode: sync,
  };
  // Patroni's own rule: a leader must renew its key (loop_wait + 2 × retry_timeout) within ttl.
  if (t.loopWait + 2 * t.retryTimeout > t.ttl) {
    throw new EngineError("patroni: loopWait + 2 × retryTimeout must not exceed ttl");
  }
  return t;
}

function yml(name: string, addr: string, etcd: string, dir: string, t: PatroniTimers): string {
  // JSON is YAML: no indentation to get wrong.
  return JSON.stringify({
    scope: "dsbench",
    namespace: "/dsbench/",
    name,
    restapi: { listen: `${addr}:${REST_PORT}`, connect_address: `${addr}:${REST_PORT}` },
    etcd3: { hosts: `${etcd}:${ETCD_PORT}` },
    bootstrap: {
      dcs: {
        ttl: t.ttl,
        loop_wait: t.loopWait,
        retry_timeout: t.retryTimeout,
        // 1 MB: a replica further behind than that is never promoted (Patroni's default).
        maximum_lag_on_failover: 1048576,
        synchronous_mode: t.synchronousMode,
        postgresql: {
          use_pg_rewind: true, // the old primary rejoins as a replica after a failover
          use_slots: true,
          parameters: {
            wal_level: "replica",
            hot_standby: "on",
            max_wal_senders: 10,
            max_replication_slots: 10,
            wal_log_hints: "on", // pg_rewind needs it
            fsync: "off", // a temp cluster; crashes here are process kills, not power cuts
          },
        },
      },
      initdb: [{ encoding: "UTF8" }, { locale: "C.UTF-8" }],
    },
    postgresql: {
      listen: `${addr}:${PG_PORT}`,
      connect_address: `${addr}:${PG_PORT}`,
      use_unix_socket: true,
      data_dir: `${dir}/data`,
      bin_dir: PG_BIN,
      pgpass: `${dir}/pgpass`,
      authentication: {
        superuser: { username: "postgres", password: "pgpass" },
        replication: { username: "replicator", password: "reppass" },
        rewind: { username: "rewinder", password: "rwpass" },
      },
      parameters: { unix_socket_directories: dir, max_connections: 40 },
      pg_hba: [
        "local all all trust",
        "host replication replicator 10.0.0.0/8 md5",
        "host all all 10.0.0.0/8 md5",
      ],
    },
  });
}

/** The node's connection URL: the Unix socket in its directory (no network namespace). */
export function socketUrl(dir: string): string {
  return `postgres://postgres@localhost/postgres?host=${encodeURIComponent(dir)}&port=${PG_PORT}`;
}

/** True when the node answers as a primary (not in recovery). */
export async function isPrimary(node: Pick<EngineNode, "url">): Promise<boolean> {
  const rows = await queryPostgres<{ r: boolean }>(node, "select pg_is_in_recovery() as r");
  return rows[0].r === false;
}

/**
 * The node that answers as primary with every other named node streaming from it (and, in
 * synchronous mode, one of them synchronous). Throws while that is not the case.
 */
export async function healthyPrimary(
  nodes: readonly EngineNode[],
  synchronous: boolean,
): Promise<EngineNode> {
  const primaries: EngineNode[] = [];
  for (const n of nodes) {
    if (await isPrimary(n).catch(() => false)) primaries.push(n);
  }
  if (primaries.length !== 1) throw new Error(`${primaries.length} nodes answer as primary`);
  const rows = await queryPostgres<{ n: number; s: number }>(
    primaries[0],
    "select count(*)::int as n, count(*) filter (where sync_state = 'sync')::int as s " +
      "from pg_stat_replication where state = 'streaming'",
  );
  if (rows[0].n < nodes.length - 1) {
    throw new Error(
      `${rows[0].n} of ${nodes.length - 1} replicas stream from ${primaries[0].name}`,
    );
  }
  if (synchronous && rows[0].s < 1) throw new Error("no synchronous standby yet");
  return primaries[0];
}

/** A started Patroni cluster: the engine plus its network lab and timers. */
export interface PatroniCluster extends Engine {
  readonly lab: NetLab;
  readonly timers: PatroniTimers;
  /** The PostgreSQL nodes (n1..n3), whatever their role now. */
  readonly pgNodes: readonly EngineNode[];
}

/** The Patroni cluster behind an engine started from this definition (or a one-line error). */
export function asPatroni(engine: Engine): PatroniCluster {
  const c = engine as Partial<PatroniCluster>;
  if (!c.lab || !c.timers || !c.pgNodes) {
    throw new EngineError(`${engine.engine} is not a Patroni cluster started natively`);
  }
  return engine as PatroniCluster;
}

async function startPatroni(spec: EngineSpec): Promise<Engine> {
  const t = timers(spec);
  const why = await NetLab.unavailable();
  if (why) throw new EngineUnavailable(`patroni skipped: ${why}`);
  const lab = await NetLab.create(["etcd", ...NODES]);
  let labHanded = false;
  try {
    const engine = await NativeEngine.launch("patroni", spec, async (e) => {
      labHanded = true;
      e.addCleanup(() => lab.delete(), () => lab.deleteNow());
      const etcdHost = lab.host("etcd");
      e.settings = {
        ttl: String(t.ttl),
        loop_wait: String(t.loopWait),
        retry_timeout: String(t.retryTimeout),
        synchronous_mode: String(t.synchronousMode),
        ...stringSettings(spec),
      };
      const etcdDir = await e.runDir.subdir("etcd");
      const etcdUrl = `http://${etcdHost.address}:${ETCD_PORT}`;
      const etcdNode: EngineNode = {
        name: "etcd",
        role: "dcs",
        host: etcdHost.address,
        port: ETCD_PORT,
        url: etcdUrl,
        dataDir: etcdDir,
      };
      const etcdArgs = [
        "--name",
        "e1",
        "--data-dir",
        etcdDir,
        "--listen-client-urls",
        etcdUrl,
        "--advertise-client-urls",
        etcdUrl,
        "--listen-peer-urls",
        `http://${etcdHost.address}:2380`,
        "--initial-advertise-peer-urls",
        `http://${etcdHost.address}:2380`,
        "--initial-cluster",
        `e1=http://${etcdHost.address}:2380`,
        "--initial-cluster-state",
        "new",
      ];
      const etcdArgv = lab.exec("etcd", [ETCD, ...etcdArgs]);
      const etcdServer = new NativeServer(
        "etcd",
        "dcs",
        ETCD_PORT,
        etcdDir,
        `${e.runDir.path}/etcd.log`,
        e.runDir,
        () => ({ cmd: etcdArgv[0], args: etcdArgv.slice(1), stopSignal: "SIGTERM" }),
      );
      const health = lab.exec("etcd", [
        "/usr/bin/etcdctl",
        `--endpoints=${etcdUrl}`,
        "endpoint",
        "health",
      ]);
      await e.startNode(
        etcdServer,
        etcdNode,
        () => runTool("etcd health", { cmd: health[0], args: health.slice(1) }),
      );
      const pgNodes: EngineNode[] = [];
      for (const [i, name] of NODES.entries()) {
        const host = lab.host(name);
        const dir = await e.runDir.subdir(name, "postgres");
        const ymlPath = `${dir}/patroni.yml`;
        await Deno.writeTextFile(ymlPath, yml(name, host.address, etcdHost.address, dir, t));
        await runTool("chown", { cmd: "chown", args: ["postgres:postgres", ymlPath] });
        const node: EngineNode = {
          name,
          role: i === 0 ? "primary" : "replica",
          host: host.address,
          port: PG_PORT,
          url: socketUrl(dir),
          dataDir: `${dir}/data`,
        };
        const argv = lab.exec(name, [
          UNSHARE,
          "--pid",
          "--fork",
          "--kill-child",
          "--mount-proc",
          "setpriv",
          "--reuid=postgres",
          "--regid=postgres",
          "--init-groups",
          "--",
          PATRONI,
          ymlPath,
        ]);
        const server = new NativeServer(
          name,
          node.role,
          PG_PORT,
          node.dataDir!,
          `${e.runDir.path}/${name}.log`,
          e.runDir,
          // unshare ignores SIGTERM while its child runs; SIGKILL ends it, and with it the
          // node's PID namespace. A temp cluster needs no clean shutdown.
          () => ({ cmd: argv[0], args: argv.slice(1), stopSignal: "SIGKILL" }),
        );
        pgNodes.push(node);
        // n1 bootstraps and becomes primary; the others clone it (pg_basebackup) first.
        await e.startNode(server, node, () => queryPostgres(node, "select 1"));
        if (i === 0) {
          await waitUntil(async () => {
            if (!(await isPrimary(node))) throw new Error("n1 is not primary yet");
          }, { timeoutMs: e.timeoutMs, intervalMs: 100 });
        }
      }
      await waitUntil(() => healthyPrimary(pgNodes, t.synchronousMode), {
        timeoutMs: e.timeoutMs,
        intervalMs: 200,
      });
      const v = await queryPostgres<{ v: string }>(
        pgNodes[0],
        "select current_setting('server_version') as v",
      );
      e.version = v[0].v.split(" ")[0];
      const pv = (await runTool("patroni --version", { cmd: PATRONI, args: ["--version"] })).trim();
      e.settings.patroni = pv.replace(/^patroni\s*/i, "");
      Object.assign(e, { lab, timers: t, pgNodes });
    });
    return engine;
  } catch (err) {
    if (!labHanded) await lab.delete();
    throw err;
  }
}

/** Patroni's definition for the engine registry. */
export const patroni: EngineDefinition = {
  name: "patroni",
  describe: "PostgreSQL 15 HA: 3 nodes under Patroni 3 + etcd 3, each in its own network namespace",
  urlEnv: "BENCH_PATRONI_URL",
  ping: (node) => queryPostgres(node, "select 1"),
  version: async (node) =>
    (await queryPostgres<{ v: string }>(node, "select current_setting('server_version') as v"))[0]
      .v.split(" ")[0],
  nativeMissing: () => {
    for (
      const [bin, pkg] of [[PATRONI, "patroni"], [ETCD, "etcd-server"], [
        `${PG_BIN}/postgres`,
        "postgresql-15",
      ]]
    ) {
      if (!exists(bin)) {
        return { reason: `${bin} not found: install the Debian package ${pkg}`, fatal: true };
      }
    }
    if (Deno.uid() !== 0) {
      return {
        reason: "patroni runs its nodes in network namespaces, which need root",
        fatal: false,
      };
    }
    return undefined;
  },
  startNative: startPatroni,
  dockerReplicas: false,
};

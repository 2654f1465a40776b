/**
 * MariaDB 10.11 Galera 4: three synchronous multi-primary nodes `n1..n3` on 127.0.0.1 (the
 * recipe measured in the team's shared ENGINES.md §3). Each node has its own `--defaults-file` (the
 * SST scripts read it through my_print_defaults; `--no-defaults` would send them to the system
 * config), n1 bootstraps the cluster (`--wsrep-new-cluster`), n2 and n3 join by a mariabackup
 * SST (rsync fails as root). Ready when every node reports `wsrep_ready = ON`,
 * `wsrep_local_state_comment = Synced` and a cluster of three.
 *
 * Clients connect as `app` (root is unix_socket-only): node urls are
 * `mysql://app:app@127.0.0.1:<port>/dsb`.
 *
 * Option `netns` (boolean, default false): every node runs in a network namespace of its own
 * on a private bridge (../runtime/netns.ts), so a partition is an nftables rule; clients then
 * reach each node through its Unix socket (`?socketPath=`), which no network namespace owns,
 * like a client on the node's side of any partition. The engine is a {@link GaleraCluster}.
 *
 * @module
 */

import { EngineError, EngineUnavailable } from "../runtime/errors.ts";
import { NativeEngine } from "../runtime/native.ts";
import { NetLab } from "../runtime/netns.ts";
import { freePort, LOOPBACK, waitUntil } from "../runtime/net.ts";
import { exists, NativeServer, requireBinary, runTool } from "../runtime/process.ts";
import type { Engine, EngineDefinition, EngineNode, EngineSpec } from "../types.ts";
import { queryMariadb } from "../mariadb/client.ts";

const SERVER = "/usr/sbin/mariadbd";
const INSTALL_DB = "/usr/bin/mariadb-install-db";
const CLIENT = "/usr/bin/mariadb";
const PROVIDER = "/usr/lib/galera/libgalera_smm.so";

/** wsrep status of a node as name → value. */
export async function wsrepStatus(node: Pick<EngineNode, "url">): Promise<Record<string, string>> {
  const rows = await queryMariadb<{ Variable_name: string; Value: string }[]>(
    node,
    "SHOW GLOBAL STATUS LIKE 'wsrep%'",
  );
  return Object.fromEntries(rows.map((r) => [r.Variable_name, r.Value]));
}

async function synced(node: EngineNode, size: number) {
  const s = await wsrepStatus(node);
  if (s.wsrep_ready !== "ON" || s.wsrep_local_state_comment !== "Synced") {
    throw new Error(`${node.name}: ${s.wsrep_local_state_comment}`);
  }
  if (Number(s.wsrep_cluster_size) !== size) {
    throw new Error(`${node.name}: cluster size ${s.wsrep_cluster_size}`);
  }
}

/** A Galera engine started with `netns`: its lab, to partition nodes. */
export interface GaleraCluster extends Engine {
  readonly lab: NetLab;
}

/** The Galera cluster behind an engine started with `netns` (or a one-line error). */
export function asGaleraCluster(engine: Engine): GaleraCluster {
  if (!(engine as Partial<GaleraCluster>).lab) {
    throw new EngineError(`${engine.engine} was not started with options.netns`);
  }
  return engine as GaleraCluster;
}

const NAMES = ["n1", "n2", "n3"];

async function uidGid(user: string): Promise<[number, number]> {
  const id = (flag: string) => runTool("id", { cmd: "id", args: [flag, user] }).then(Number);
  return [await id("-u"), await id("-g")];
}

async function startGalera(spec: EngineSpec): Promise<Engine> {
  requireBinary(SERVER, "mariadb-server");
  requireBinary(PROVIDER, "galera-4");
  const netns = spec.options?.netns ?? false;
  if (typeof netns !== "boolean") {
    throw new EngineError(`galera: options.netns must be a boolean, got ${netns}`);
  }
  let lab: NetLab | undefined;
  if (netns) {
    const why = await NetLab.unavailable();
    if (why) throw new EngineUnavailable(`galera in network namespaces skipped: ${why}`);
    lab = await NetLab.create(NAMES);
  }
  let labHanded = false;
  try {
    return await launchGalera(spec, lab, () => (labHanded = true));
  } catch (err) {
    if (lab && !labHanded) await lab.delete();
    throw err;
  }
}

function launchGalera(spec: EngineSpec, lab: NetLab | undefined, handed: () => void) {
  return NativeEngine.launch("galera", spec, async (e) => {
    if (lab) {
      handed();
      e.addCleanup(() => lab.delete(), () => lab.deleteNow());
    }
    // In namespaces the nodes run as mysql and join by rsync (about 5 s); as root rsync fails
    // and mariabackup sleeps 10 s per joiner (ENGINES.md).
    const user = lab ? "mysql" : "root";
    const sst = lab ? "rsync" : "mariabackup";
    e.settings = {
      wsrep_sst_method: sst,
      binlog_format: "ROW",
      innodb_autoinc_lock_mode: "2",
      ...(lab ? { network: "netns" } : {}),
    };
    // In namespaces every node has its own addresses, so the usual ports do.
    const ports = NAMES.map((name) => ({
      addr: lab ? lab.host(name).address : LOOPBACK,
      sql: lab ? 3306 : freePort(),
      gcomm: lab ? 4567 : freePort(),
      ist: lab ? 4568 : freePort(),
      sst: lab ? 4444 : freePort(),
    }));
    const cluster = `gcomm://${ports.map((p) => `${p.addr}:${p.gcomm}`).join(",")}`;
    const nodes: EngineNode[] = [];
    for (const [i, p] of ports.entries()) {
      const name = NAMES[i];
      const dir = await e.runDir.subdir(name, user);
      await Deno.mkdir(`${dir}/data`);
      if (user !== "root") await Deno.chown(`${dir}/data`, ...(await uidGid(user)));
      const cnf = `${dir}/my.cnf`;
      await Deno.writeTextFile(
        cnf,
        [
          "[mysqld]",
          `user=${user}`,
          `datadir=${dir}/data`,
          `port=${p.sql}`,
          `bind-address=${p.addr}`,
          `socket=${dir}/mysqld.sock`,
          `pid-file=${dir}/mysqld.pid`,
          `tmpdir=${dir}`,
          "binlog-format=ROW", // Galera replicates row events only
          "default-storage-engine=InnoDB",
          "innodb-autoinc-lock-mode=2", // interleaved: required by Galera
          "innodb-buffer-pool-size=64M", // three servers share the machine
          "innodb-log-file-size=32M",
          "innodb-flush-log-at-trx-commit=2", // durability comes from the other nodes
          "skip-name-resolve",
          "wsrep-on=ON",
          `wsrep-provider=${PROVIDER}`,
          "wsrep-cluster-name=dsbench",
          `wsrep-node-name=${name}`,
          `wsrep-cluster-address=${cluster}`,
          `wsrep-node-address=${p.addr}:${p.gcomm}`,
          `wsrep-node-incoming-address=${p.addr}:${p.sql}`,
          `wsrep-provider-options="base_port=${p.gcomm};gmcast.listen_addr=tcp://${p.addr}:${p.gcomm};ist.recv_addr=${p.addr}:${p.ist};gcache.size=64M"`,
          `wsrep-sst-receive-address=${p.addr}:${p.sst}`,
          `wsrep-sst-method=${sst}`,
          "[client]",
          `socket=${dir}/mysqld.sock`,
          "[sst]",
          "sst-log-archive=0", // else it writes /tmp/sst_log_archive
          "sst-syslog=-1",
          "",
        ].join("\n"),
      );
      if (i === 0) {
        await runTool("galera install-db", {
          cmd: INSTALL_DB,
          args: [
            "--no-defaults",
            `--user=${user}`,
            `--datadir=${dir}/data`,
            "--auth-root-authentication-method=socket",
            "--skip-test-db",
          ],
        });
      }
      const sock = `${dir}/mysqld.sock`;
      const node: EngineNode = {
        name,
        role: i === 0 ? "primary" : "member",
        host: p.addr,
        port: p.sql,
        url: lab
          ? `mysql://app:app@localhost/dsb?socketPath=${encodeURIComponent(sock)}`
          : `mysql://app:app@${LOOPBACK}:${p.sql}/dsb`,
        dataDir: `${dir}/data`,
      };
      nodes.push(node);
      const args = [`--defaults-file=${cnf}`, ...(i === 0 ? ["--wsrep-new-cluster"] : [])];
      const argv = lab ? lab.exec(name, [SERVER]) : [SERVER];
      const server = new NativeServer(
        name,
        node.role,
        p.sql,
        node.dataDir!,
        `${e.runDir.path}/${name}.log`,
        e.runDir,
        () => ({
          cmd: argv[0],
          args: [...argv.slice(1), ...args, `--log-error=${dir}/error.log`],
          stopSignal: "SIGTERM",
        }),
      );
      if (i === 0) {
        // The app user exists once n1 answers on its socket; the joiners get it by SST.
        await e.startNode(server, node, async () => {
          await runTool("galera ping", {
            cmd: CLIENT,
            args: ["-S", sock, "-uroot", "-e", "select 1"],
          });
        });
        await runTool("galera app user", {
          cmd: CLIENT,
          args: [
            "-S",
            sock,
            "-uroot",
            "-e",
            "create database dsb; create user app@'127.0.0.1' identified by 'app'; " +
            "grant all on *.* to app@'127.0.0.1'; " +
            // Unix-socket clients (the netns topology) log in as app@localhost.
            "create user app@localhost identified by 'app'; grant all on *.* to app@localhost",
          ],
        });
      } else {
        await e.startNode(server, node, () => synced(node, i + 1));
      }
    }
    await waitUntil(async () => {
      for (const n of nodes) await synced(n, nodes.length);
    }, { timeoutMs: e.timeoutMs, intervalMs: 200 });
    const v = await queryMariadb<{ v: string }[]>(nodes[0], "select version() as v");
    e.version = v[0].v.split("-")[0];
    const g = await wsrepStatus(nodes[0]);
    e.settings.galera = g.wsrep_provider_version?.split("(")[0] ?? "";
    if (lab) Object.assign(e, { lab });
  });
}

/** Galera's definition for the engine registry. */
export const galera: EngineDefinition = {
  name: "galera",
  describe: "MariaDB 10.11 Galera 4 (Debian galera-4): 3 synchronous multi-primary nodes",
  urlEnv: "BENCH_GALERA_URL",
  ping: (node) => synced(node as EngineNode, 3),
  version: async (node) =>
    (await queryMariadb<{ v: string }[]>(node, "select version() as v"))[0].v.split("-")[0],
  nativeMissing: () => {
    for (
      const [bin, pkg] of [[SERVER, "mariadb-server"], [PROVIDER, "galera-4"], [
        "/usr/bin/mariabackup",
        "mariadb-backup",
      ], ["/usr/bin/socat", "socat"]]
    ) {
      if (!exists(bin)) {
        return { reason: `${bin} not found: install the Debian package ${pkg}`, fatal: true };
      }
    }
    return undefined;
  },
  startNative: startGalera,
  dockerReplicas: false,
};

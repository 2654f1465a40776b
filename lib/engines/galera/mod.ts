/**
 * MariaDB 10.11 Galera 4: three synchronous multi-primary nodes `n1..n3` on 127.0.0.1 (the
 * recipe measured in /work/shared/ENGINES.md §3). Each node has its own `--defaults-file` (the
 * SST scripts read it through my_print_defaults; `--no-defaults` would send them to the system
 * config), n1 bootstraps the cluster (`--wsrep-new-cluster`), n2 and n3 join by a mariabackup
 * SST (rsync fails as root). Ready when every node reports `wsrep_ready = ON`,
 * `wsrep_local_state_comment = Synced` and a cluster of three.
 *
 * Clients connect over TCP as `app` (root is unix_socket-only): node urls are
 * `mysql://app:app@127.0.0.1:<port>/dsb`.
 *
 * @module
 */

import { NativeEngine } from "../runtime/native.ts";
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

async function startGalera(spec: EngineSpec): Promise<Engine> {
  requireBinary(SERVER, "mariadb-server");
  requireBinary(PROVIDER, "galera-4");
  return await NativeEngine.launch("galera", spec, async (e) => {
    e.settings = {
      wsrep_sst_method: "mariabackup",
      binlog_format: "ROW",
      innodb_autoinc_lock_mode: "2",
    };
    const ports = [1, 2, 3].map(() => ({
      sql: freePort(),
      gcomm: freePort(),
      ist: freePort(),
      sst: freePort(),
    }));
    const cluster = `gcomm://${ports.map((p) => `${LOOPBACK}:${p.gcomm}`).join(",")}`;
    const nodes: EngineNode[] = [];
    for (const [i, p] of ports.entries()) {
      const name = `n${i + 1}`;
      const dir = await e.runDir.subdir(name);
      await Deno.mkdir(`${dir}/data`);
      const cnf = `${dir}/my.cnf`;
      await Deno.writeTextFile(
        cnf,
        [
          "[mysqld]",
          "user=root",
          `datadir=${dir}/data`,
          `port=${p.sql}`,
          `bind-address=${LOOPBACK}`,
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
          `wsrep-node-address=${LOOPBACK}:${p.gcomm}`,
          `wsrep-node-incoming-address=${LOOPBACK}:${p.sql}`,
          `wsrep-provider-options="base_port=${p.gcomm};gmcast.listen_addr=tcp://${LOOPBACK}:${p.gcomm};ist.recv_addr=${LOOPBACK}:${p.ist};gcache.size=64M"`,
          `wsrep-sst-receive-address=${LOOPBACK}:${p.sst}`,
          "wsrep-sst-method=mariabackup", // rsync fails as root (ENGINES.md)
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
            "--user=root",
            `--datadir=${dir}/data`,
            "--auth-root-authentication-method=socket",
            "--skip-test-db",
          ],
        });
      }
      const node: EngineNode = {
        name,
        role: i === 0 ? "primary" : "member",
        host: LOOPBACK,
        port: p.sql,
        url: `mysql://app:app@${LOOPBACK}:${p.sql}/dsb`,
        dataDir: `${dir}/data`,
      };
      nodes.push(node);
      const args = [`--defaults-file=${cnf}`, ...(i === 0 ? ["--wsrep-new-cluster"] : [])];
      const sock = `${dir}/mysqld.sock`;
      const server = new NativeServer(
        name,
        node.role,
        p.sql,
        node.dataDir!,
        `${e.runDir.path}/${name}.log`,
        e.runDir,
        () => ({
          cmd: SERVER,
          args: [...args, `--log-error=${dir}/error.log`],
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
            "grant all on *.* to app@'127.0.0.1'",
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

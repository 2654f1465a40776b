/**
 * Sphinx 2.2 (Debian sphinxsearch): a private `searchd` with real-time (RT) indexes, served
 * over SphinxQL (the MySQL 4.1 protocol; clients use mysql2, see ./client.ts). RT indexes are
 * written with INSERT/REPLACE and searchable at once, so no `indexer` run is needed.
 *
 * The indexes are part of the spec (`options.indexes`: name → fields, attributes and index
 * settings), because searchd reads its schema from its config file at start. The docker and
 * external providers reach any searchd (or Manticore) whose SphinxQL port is given.
 */

import { launchSingleNode } from "../runtime/native.ts";
import { LOOPBACK } from "../runtime/net.ts";
import { missingDebianBinary, requireBinary } from "../runtime/process.ts";
import type { Engine, EngineDefinition, EngineSpec } from "../types.ts";
import { connectSphinx, querySphinx } from "./client.ts";

const BIN = "/usr/bin/searchd";

/** One RT index of the spec: full-text fields, typed attributes, index settings. */
export interface SphinxIndex {
  /** Full-text fields (rt_field). */
  fields: readonly string[];
  /** Attributes as [type, name]: type is uint, bigint, float, bool, string, timestamp. */
  attrs: readonly (readonly [string, string])[];
  /** Index settings (morphology, dict, min_prefix_len ...), written as given. */
  settings?: Readonly<Record<string, string | number>>;
}

function indexesOf(spec: EngineSpec): Record<string, SphinxIndex> {
  return (spec.options?.indexes ?? {}) as Record<string, SphinxIndex>;
}

/** The searchd config for a data dir and port (exported for tests). */
export function sphinxConfig(
  dir: string,
  port: number,
  indexes: Record<string, SphinxIndex>,
  searchd: Record<string, string>,
): string {
  const blocks = Object.entries(indexes).map(([name, ix]) => {
    const lines = [
      "type = rt",
      `path = ${dir}/${name}`,
      ...ix.fields.map((f) => `rt_field = ${f}`),
      ...ix.attrs.map(([t, n]) => `rt_attr_${t} = ${n}`),
      ...Object.entries(ix.settings ?? {}).map(([k, v]) => `${k} = ${v}`),
    ];
    return `index ${name}\n{\n${lines.map((l) => `  ${l}`).join("\n")}\n}\n`;
  });
  const daemon = {
    listen: `${LOOPBACK}:${port}:mysql41`,
    log: `${dir}/searchd.log`,
    query_log: `${dir}/query.log`,
    pid_file: `${dir}/searchd.pid`,
    binlog_path: dir,
    // Threads (one per connection), the 2.2 default, stated: the load keeps connections open.
    workers: "threads",
    ...searchd,
  };
  const d = Object.entries(daemon).map(([k, v]) => `  ${k} = ${v}`).join("\n");
  return `${blocks.join("\n")}\nsearchd\n{\n${d}\n}\n`;
}

function startSphinxNative(spec: EngineSpec): Promise<Engine> {
  requireBinary(BIN, "sphinxsearch");
  const settings = Object.fromEntries(
    Object.entries(spec.settings ?? {}).map(([k, v]) => [k, String(v)]),
  );
  return launchSingleNode(sphinx, spec, {
    url: (port) => `mysql://root@${LOOPBACK}:${port}/`,
    prepare: async (node) => {
      await Deno.writeTextFile(
        `${node.dataDir}/sphinx.conf`,
        sphinxConfig(node.dataDir!, node.port, indexesOf(spec), settings),
      );
    },
    command: (node) => ({
      cmd: BIN,
      args: ["--config", `${node.dataDir}/sphinx.conf`, "--nodetach"],
      stopSignal: "SIGTERM",
    }),
  });
}

/** Sphinx's definition for the engine registry. */
export const sphinx: EngineDefinition = {
  name: "sphinx",
  describe: "Sphinx 2.2 searchd (Debian sphinxsearch), RT indexes over SphinxQL",
  urlEnv: "BENCH_SPHINX_URL",
  ping: (node) => querySphinx(node, "SHOW STATUS"),
  // searchd announces its version in the MySQL handshake ("2.2.11-id64-release (2.2.11)").
  version: async (node) => {
    const conn = await connectSphinx(node, { connectTimeout: 2000 });
    try {
      const hs =
        (conn as unknown as { connection: { _handshakePacket?: { serverVersion?: string } } })
          .connection._handshakePacket;
      return hs?.serverVersion?.split(" ")[0] ?? "unknown";
    } finally {
      await conn.end();
    }
  },
  nativeMissing: () => missingDebianBinary(BIN, "sphinxsearch"),
  startNative: startSphinxNative,
  docker: {
    // Manticore is Sphinx's maintained fork and speaks the same SphinxQL; its image creates
    // RT indexes with CREATE TABLE, which the binding issues when the index is missing.
    image: "manticoresearch/manticore:6.3.6",
    port: 9306,
    url: (host, port) => `mysql://root@${host}:${port}/`,
  },
};

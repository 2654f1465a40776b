/**
 * ClickHouse's own backup and restore: `BACKUP DATABASE ... TO File(...)` (a full backup, or
 * an incremental one with `base_backup` naming the previous) and `RESTORE DATABASE ... FROM
 * File(...)` into a new embedded chDB data path — a new engine ({@link startClickHouseOn}) the
 * caller verifies like any other and stops.
 *
 * The `File` backup engine refuses to run unless the server's configuration names the
 * directory (`backups.allowed_path`), and @clickhouse/client's chDB connection passes no
 * configuration. So BACKUP and RESTORE run in a chDB session of their own, opened with a
 * one-line config file that allows exactly the repository's directory; every other query keeps
 * the engine's client. Embedded chDB only: a server's configuration is the server's business.
 *
 * @module
 */

import { EngineError } from "../runtime/errors.ts";
import { RunDir } from "../runtime/process.ts";
import type { Engine, EngineNode } from "../types.ts";
import { CHDB } from "./client.ts";
import { embeddedEngine } from "./mod.ts";
import type { BackupTaken, Restored } from "../types.ts";

function dataPath(node: EngineNode): string {
  if (!node.url.startsWith(CHDB)) {
    throw new EngineError(
      "clickhouse backups run on embedded chDB here (BACKUP TO File needs the server's " +
        "backups.allowed_path; a server via docker/BENCH_CLICKHOUSE_URL has its own)",
    );
  }
  return node.url.slice(CHDB.length);
}

async function duBytes(path: string): Promise<number> {
  let n = 0;
  for (const e of Deno.readDirSync(path)) {
    const p = `${path}/${e.name}`;
    n += e.isDirectory ? await duBytes(p) : (await Deno.stat(p)).size;
  }
  return n;
}

/**
 * A new embedded chDB engine whose data path `prepare` fills (a RESTORE, a rebuild), timed:
 * `prepareMs` the filling, `startMs` until the copy answers.
 */
export async function startClickHouseOn(
  label: string,
  prepare: (node: EngineNode) => Promise<void>,
): Promise<{ engine: Engine; prepareMs: number; startMs: number }> {
  let prepareMs = 0;
  const t0 = performance.now();
  const engine = await embeddedEngine(label, undefined, async (node) => {
    await prepare(node);
    prepareMs = performance.now() - t0;
  });
  return { engine, prepareMs, startMs: performance.now() - t0 - prepareMs };
}

/** A repository of ClickHouse backups of one database of an embedded engine. */
export class ClickHouseBackups {
  private readonly taken: { label: string; type: string }[] = [];

  private constructor(
    private readonly engine: Engine,
    private readonly database: string,
    private readonly dir: RunDir,
    private readonly config: string,
  ) {}

  /** A repository for `database` of `engine` (embedded chDB). */
  static async create(engine: Engine, database: string): Promise<ClickHouseBackups> {
    dataPath(engine.primary);
    const dir = await RunDir.create("clickhouse-backups");
    const config = `${dir.path}/backups.xml`;
    await Deno.writeTextFile(
      config,
      `<clickhouse><backups><allowed_path>${dir.path}/</allowed_path></backups></clickhouse>\n`,
    );
    return new ClickHouseBackups(engine, database, dir, config);
  }

  /** Run statements in a session on `path` whose configuration allows the repository. */
  private async session(path: string, statements: string[]): Promise<void> {
    const { Session } = await import("chdb");
    const s = new Session(path, { connectionArgs: [`--config-file=${this.config}`] });
    try {
      for (const q of statements) await s.queryAsync(q);
    } finally {
      s.close();
    }
  }

  private where(label: string) {
    return `File('${this.dir.path}/${label}')`;
  }

  /** A `full` backup, or an `incr` holding only the data parts new since the previous one. */
  async backup(type: "full" | "incr"): Promise<BackupTaken> {
    const prev = this.taken[this.taken.length - 1];
    if (type === "incr" && !prev) throw new EngineError("clickhouse: incr without a base");
    const label = `${this.taken.length}-${type}`;
    const base = type === "incr" ? ` SETTINGS base_backup = ${this.where(prev.label)}` : "";
    const t0 = performance.now();
    await this.session(dataPath(this.engine.primary), [
      `BACKUP DATABASE ${this.database} TO ${this.where(label)}${base}`,
    ]);
    const ms = performance.now() - t0;
    this.taken.push({ label, type });
    const bytes = await duBytes(`${this.dir.path}/${label}`);
    return { label, type, ms, dbBytes: bytes, storedBytes: bytes };
  }

  /**
   * RESTORE the backup `label` (default the latest; an incremental reads its bases through
   * the names it recorded) into a new engine.
   */
  async restore(options: { label?: string } = {}): Promise<Restored> {
    const label = options.label ?? this.taken[this.taken.length - 1]?.label;
    if (!label || !this.taken.some((t) => t.label === label)) {
      throw new EngineError(`clickhouse: no backup ${label ?? ""}`);
    }
    const { engine, prepareMs, startMs } = await startClickHouseOn(
      "clickhouse-restore",
      (node) =>
        this.session(dataPath(node), [
          `RESTORE DATABASE ${this.database} FROM ${this.where(label)}`,
        ]),
    );
    return { engine, restoreMs: prepareMs, startMs };
  }

  /** Remove the backups. */
  async close(): Promise<void> {
    await this.dir.remove();
  }
}

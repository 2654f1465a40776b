/**
 * PostgreSQL's backup and restore verbs, the tools people use: pgBackRest (a stanza whose WAL
 * archive is fed by `archive-command = pgbackrest archive-push`, full/diff/incr backups per
 * compression type, restores to the end of the archive or to a time), pg_basebackup (a plain
 * copy with the WAL it needs) and pg_dump/pg_restore (logical). Every restore lands in a new
 * engine of its own ({@link startPostgresOn}): its temp dir, port and clean-up, so the caller
 * verifies it like any server and stops it.
 *
 * These verbs need a private server: its data directory and (for pgBackRest) its Unix socket,
 * asked for with `options: { unixSocket: true }` and `walArchive: true`.
 *
 * @module
 */

import { EngineError } from "../runtime/errors.ts";
import { RunDir, runTool } from "../runtime/process.ts";
import type { Engine } from "../types.ts";
import { queryPostgres } from "./client.ts";
import { POSTGRES_BIN, POSTGRES_USER, startPostgresOn } from "./mod.ts";
import type { BackupTaken, Restored } from "../types.ts";

const PGBACKREST = "/usr/bin/pgbackrest";
const STANZA = "bench";

function socketDir(engine: Engine): string {
  const dir = engine.settings.unix_socket_directories;
  if (engine.provider !== "native" || !engine.primary.dataDir || !dir) {
    throw new EngineError(
      "postgres backups need a private server with options.unixSocket (pgBackRest reaches " +
        "PostgreSQL through its Unix socket and data directory)",
    );
  }
  return dir;
}

async function duBytes(path: string): Promise<number> {
  const out = await runTool(`du ${path}`, { cmd: "du", args: ["-sb", path] });
  return Number(out.split("\t")[0]);
}

/** Files of a new backup directory owned by the server's OS user. */
async function backupDir(label: string): Promise<{ dir: RunDir; path: string }> {
  const dir = await RunDir.create(label);
  return { dir, path: await dir.subdir("backup", POSTGRES_USER) };
}

/**
 * A pgBackRest repository for one server: stanza created, the server's `archive_command`
 * switched to `pgbackrest archive-push` (reloaded, no restart) and checked with
 * `pgbackrest check` (which forces a WAL switch and waits for it in the archive).
 */
export class PgBackRest {
  private constructor(
    private readonly engine: Engine,
    private readonly dir: RunDir,
    readonly config: string,
  ) {}

  /** Set up the repository for `engine` (a private server with unixSocket and walArchive). */
  static async create(engine: Engine): Promise<PgBackRest> {
    const socket = socketDir(engine);
    const dir = await RunDir.create("pgbackrest");
    const sub = (n: string) => dir.subdir(n, POSTGRES_USER);
    const [repo, log, lock, spool] = await Promise.all(
      ["repo", "log", "lock", "spool"].map(sub),
    );
    const config = `${dir.path}/pgbackrest.conf`;
    await Deno.writeTextFile(
      config,
      [
        "[global]",
        `repo1-path=${repo}`,
        // Keep every backup: the experiment expires nothing (retention would drop older WAL
        // and with it older recovery targets).
        "repo1-retention-full=99",
        `lock-path=${lock}`,
        `log-path=${log}`,
        `spool-path=${spool}`,
        "log-level-console=warn",
        "log-level-file=info",
        // An immediate checkpoint rather than a spread one: the backup starts now.
        "start-fast=y",
        // One process: the machine has two shared cores and the server needs one.
        "process-max=1",
        `[${STANZA}]`,
        `pg1-path=${engine.primary.dataDir}`,
        `pg1-port=${engine.primary.port}`,
        `pg1-socket-path=${socket}`,
        "",
      ].join("\n"),
    );
    await Deno.chmod(config, 0o644);
    const self = new PgBackRest(engine, dir, config);
    try {
      const command = `${PGBACKREST} --config=${config} --stanza=${STANZA} archive-push %p`;
      await queryPostgres(engine.primary, `ALTER SYSTEM SET archive_command = '${command}'`);
      await queryPostgres(engine.primary, "SELECT pg_reload_conf()");
      await self.run("stanza-create");
      await self.run("check");
    } catch (err) {
      await dir.remove();
      throw err;
    }
    return self;
  }

  private run(...args: string[]): Promise<string> {
    return runTool(`pgbackrest ${args[0]}`, {
      cmd: PGBACKREST,
      args: [`--config=${this.config}`, `--stanza=${STANZA}`, ...args],
      user: POSTGRES_USER,
    });
  }

  /** A backup of `type` (full, diff, incr) compressed with `compress` (lz4, zst, gz, none). */
  async backup(type: "full" | "diff" | "incr", compress = "lz4"): Promise<BackupTaken> {
    const t0 = performance.now();
    await this.run("backup", `--type=${type}`, `--compress-type=${compress}`);
    const ms = performance.now() - t0;
    const info = await this.info();
    const last = info[info.length - 1];
    return {
      label: last.label,
      type: last.type,
      ms,
      dbBytes: last.info.size,
      storedBytes: last.info.repository.delta,
    };
  }

  /** The stanza's backups as `pgbackrest info --output=json` reports them, oldest first. */
  async info(): Promise<
    { label: string; type: string; info: { size: number; repository: { delta: number } } }[]
  > {
    const [stanza] = JSON.parse(await this.run("info", "--output=json"));
    return stanza.backup;
  }

  /** Force the current WAL segment out and wait until the archive has it. */
  async flushWal(): Promise<void> {
    await this.run("check");
  }

  /** Bytes in the repository (backups and archived WAL). */
  repoBytes(): Promise<number> {
    return duBytes(`${this.dir.path}/repo`);
  }

  /**
   * Restore into a new server. Without `targetTime` WAL is replayed to the end of the archive
   * (disaster recovery); with it, to that time (ISO text with zone), then promoted;
   * `immediate` stops at the backup's own consistent point. `set` names a backup (default the
   * latest).
   */
  async restore(
    options: { set?: string; targetTime?: string; immediate?: boolean } = {},
  ): Promise<Restored> {
    const args = ["restore"];
    if (options.set) args.push(`--set=${options.set}`);
    if (options.targetTime) {
      // pgBackRest wants "YYYY-MM-DD HH:MM:SS.mmm+00", not ISO's T and Z.
      const target = options.targetTime.replace("T", " ").replace(/Z$/, "+00");
      args.push("--type=time", `--target=${target}`, "--target-action=promote");
    } else if (options.immediate) {
      args.push("--type=immediate", "--target-action=promote");
    }
    const { engine, prepareMs, startMs } = await startPostgresOn(
      "pg-restore",
      (data) => this.run(...args, `--pg1-path=${data}`).then(() => {}),
      // The copy carries the source's configuration: it must not archive into the same repo.
      { archive_mode: "off" },
    );
    return { engine, restoreMs: prepareMs, startMs };
  }

  /** Remove the repository (the server must not need it any more). */
  async close(): Promise<void> {
    // Stop the source from archiving into a directory that is about to go.
    await queryPostgres(this.engine.primary, "ALTER SYSTEM SET archive_command = '/bin/true'")
      .then(() => queryPostgres(this.engine.primary, "SELECT pg_reload_conf()"))
      .catch(() => {}); // the source may be dead (the disk-loss drill)
    await this.dir.remove();
  }
}

/** A pg_basebackup copy (plain format, with the WAL it needs streamed alongside). */
export class PgBasebackup {
  private constructor(private readonly dir: RunDir, private readonly path: string) {}

  /** Take the copy of `engine`'s primary. */
  static async take(engine: Engine): Promise<{ backup: PgBasebackup; taken: BackupTaken }> {
    const { dir, path } = await backupDir("pg-basebackup");
    const t0 = performance.now();
    try {
      await runTool("pg_basebackup", {
        cmd: `${POSTGRES_BIN}/pg_basebackup`,
        args: [
          ...["-h", engine.primary.host, "-p", String(engine.primary.port), "-U", "postgres"],
          ...["-D", path, "-X", "stream", "-c", "fast", "--no-sync"],
        ],
        user: POSTGRES_USER,
      });
    } catch (err) {
      await dir.remove();
      throw err;
    }
    const ms = performance.now() - t0;
    const bytes = await duBytes(path);
    return {
      backup: new PgBasebackup(dir, path),
      taken: { label: "basebackup", type: "full", ms, dbBytes: bytes, storedBytes: bytes },
    };
  }

  /** Copy it into a new data directory and start a server there. */
  async restore(): Promise<Restored> {
    const { engine, prepareMs, startMs } = await startPostgresOn(
      "pg-basebackup-restore",
      async (data) => {
        await runTool("copy base backup", {
          cmd: "sh",
          args: ["-c", 'cp -a "$0"/. "$1"/', this.path, data],
          user: POSTGRES_USER,
        });
      },
      { archive_mode: "off" },
    );
    return { engine, restoreMs: prepareMs, startMs };
  }

  async close(): Promise<void> {
    await this.dir.remove();
  }
}

/** A pg_dump archive (custom format, compressed) of one database. */
export class PgDump {
  private constructor(private readonly dir: RunDir, private readonly file: string) {}

  /** Dump `engine`'s `postgres` database. */
  static async take(engine: Engine): Promise<{ backup: PgDump; taken: BackupTaken }> {
    const { dir, path } = await backupDir("pg-dump");
    const file = `${path}/postgres.dump`;
    const t0 = performance.now();
    try {
      await runTool("pg_dump", {
        cmd: `${POSTGRES_BIN}/pg_dump`,
        args: [
          ...["-h", engine.primary.host, "-p", String(engine.primary.port), "-U", "postgres"],
          ...["-Fc", "-f", file, "postgres"],
        ],
        user: POSTGRES_USER,
      });
    } catch (err) {
      await dir.remove();
      throw err;
    }
    const ms = performance.now() - t0;
    const bytes = (await Deno.stat(file)).size;
    return {
      backup: new PgDump(dir, file),
      taken: { label: "pg_dump", type: "logical", ms, dbBytes: bytes, storedBytes: bytes },
    };
  }

  /**
   * A fresh server (initdb, start), then pg_restore with two jobs (the machine's cores).
   * `restoreMs` is the pg_restore (data and index builds); `startMs` the empty server's start.
   */
  async restore(): Promise<Restored> {
    const { engine, prepareMs, startMs } = await startPostgresOn(
      "pg-dump-restore",
      (data) =>
        runTool("postgres initdb", {
          cmd: `${POSTGRES_BIN}/initdb`,
          args: [
            "-D",
            data,
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
          ],
          user: POSTGRES_USER,
        }).then(() => {}),
    );
    const t0 = performance.now();
    try {
      await runTool("pg_restore", {
        cmd: `${POSTGRES_BIN}/pg_restore`,
        args: [
          ...["-h", engine.primary.host, "-p", String(engine.primary.port), "-U", "postgres"],
          ...["-j", "2", "-d", "postgres", this.file],
        ],
        user: POSTGRES_USER,
      });
    } catch (err) {
      await engine.stop();
      throw err;
    }
    return { engine, restoreMs: performance.now() - t0, startMs: prepareMs + startMs };
  }

  async close(): Promise<void> {
    await this.dir.remove();
  }
}

/**
 * MariaDB's backup and restore verbs, the tools people use: mariadb-backup (physical, hot; a
 * full backup and incrementals each based on the one before) and the binary log archived beside
 * it for point-in-time recovery (`mariadb-binlog --stop-datetime ... | mariadb`). Every restore
 * lands in a new engine of its own ({@link startMariadbOn}): the backup copied into a fresh data
 * directory, prepared there (the full backup's redo applied, then each incremental), the server
 * started, and for a point in time the archived binlog replayed into it from the backup's binlog
 * position. The caller verifies the copy like any server and stops it.
 *
 * These verbs need a private server: its Unix socket and data directory (binlog files).
 *
 * @module
 */

import { EngineError } from "../runtime/errors.ts";
import { RunDir, runTool } from "../runtime/process.ts";
import type { Engine } from "../types.ts";
import { queryMariadb } from "./client.ts";
import { mariadbSocket, startMariadbOn } from "./mod.ts";
import type { BackupTaken, Restored } from "../types.ts";

const BACKUP = "/usr/bin/mariadb-backup";
const BINLOG = "/usr/bin/mariadb-binlog";
const CLIENT = "/usr/bin/mariadb";

interface Taken {
  label: string;
  type: "full" | "incr";
  dir: string;
}

async function duBytes(path: string): Promise<number> {
  const out = await runTool(`du ${path}`, { cmd: "du", args: ["-sb", path] });
  return Number(out.split("\t")[0]);
}

/**
 * Binlog datetimes have whole seconds: `--stop-datetime=S` replays exactly the transactions
 * whose statements *started* before second S (an event's time is its statement's start,
 * truncated; replay stops at the first event at or after S, and whatever the log holds after it
 * committed later still). So a target on a whole second is exact against the client's record —
 * acknowledged before S means started before S, begun after S means stamped S or later — while
 * a target inside a second is not: refuse it rather than round it.
 */
function stopDatetime(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms) || ms % 1000 !== 0) {
    throw new EngineError(
      `mariadb: a binlog point-in-time target must be a whole second (binlog times have 1 s ` +
        `resolution), got ${iso}`,
    );
  }
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * A mariadb-backup repository for one server: backups in a temp dir, and an archive of its
 * closed binlog files ({@link MariaBackup.flushLog}) that point-in-time restores replay.
 */
export class MariaBackup {
  private readonly taken: Taken[] = [];

  private constructor(
    private readonly engine: Engine,
    private readonly dir: RunDir,
    private readonly binlogs: string,
  ) {}

  /** A repository for `engine` (a private server: its socket and binlog files). */
  static async create(engine: Engine): Promise<MariaBackup> {
    if (engine.provider !== "native" || !engine.primary.dataDir) {
      throw new EngineError(
        "mariadb backups need a private server (mariadb-backup reads its data directory)",
      );
    }
    const dir = await RunDir.create("mariabackup");
    return new MariaBackup(engine, dir, await dir.subdir("binlog"));
  }

  /**
   * A `full` backup, or an `incr` based on the previous backup (whatever its type): only the
   * pages changed since, plus the redo written meanwhile.
   */
  async backup(type: "full" | "incr"): Promise<BackupTaken> {
    const prev = this.taken[this.taken.length - 1];
    if (type === "incr" && !prev) throw new EngineError("mariadb-backup: incr without a base");
    const label = `${this.taken.length}-${type}`;
    const target = `${this.dir.path}/${label}`;
    const t0 = performance.now();
    await runTool(`mariadb-backup ${type}`, {
      cmd: BACKUP,
      args: [
        "--no-defaults", // or it reads /etc/mysql, like the server
        "--backup",
        `--target-dir=${target}`,
        ...(type === "incr" ? [`--incremental-basedir=${prev.dir}`] : []),
        `--socket=${mariadbSocket(this.engine.primary)}`,
        "--user=root",
      ],
    });
    const ms = performance.now() - t0;
    this.taken.push({ label, type, dir: target });
    const bytes = await duBytes(target);
    return { label, type, ms, dbBytes: bytes, storedBytes: bytes };
  }

  /**
   * Archive the binlog so far: rotate it (`FLUSH BINARY LOGS`, so every acknowledged commit
   * is in a closed file) and copy the closed files — what shipping binlogs off the host does.
   */
  async flushLog(): Promise<void> {
    await queryMariadb(this.engine.primary, "FLUSH BINARY LOGS");
    const logs = await queryMariadb<{ Log_name: string }[]>(
      this.engine.primary,
      "SHOW BINARY LOGS",
    );
    for (const { Log_name } of logs.slice(0, -1)) { // the last one is the open file
      await Deno.copyFile(
        `${this.engine.primary.dataDir}/${Log_name}`,
        `${this.binlogs}/${Log_name}`,
      );
    }
  }

  /**
   * Restore into a new server: the chain up to `label` (default the latest backup) copied and
   * prepared; then with `targetTime` (a whole second, see {@link stopDatetime}) the archived
   * binlog replayed to it, with `toBackup` nothing more (the backup's own consistent point),
   * and with neither the whole archive (disaster recovery).
   */
  async restore(
    options: { label?: string; targetTime?: string; toBackup?: boolean } = {},
  ): Promise<Restored> {
    const end = options.label
      ? this.taken.findIndex((t) => t.label === options.label)
      : this.taken.length - 1;
    if (end < 0) throw new EngineError(`mariadb-backup: no backup ${options.label ?? ""}`);
    let base = end;
    while (this.taken[base].type !== "full") base--;
    const chain = this.taken.slice(base, end + 1);
    const stop = options.targetTime ? stopDatetime(options.targetTime) : undefined;
    const { engine, prepareMs, startMs } = await startMariadbOn(
      "mariadb-restore",
      async (data) => {
        // Prepare rewrites its target in place, so it runs on the copy: the backup stays
        // usable for the next restore (the copy is what --copy-back would do afterwards).
        await runTool("copy backup", {
          cmd: "sh",
          args: ["-c", 'cp -a "$0"/. "$1"/', chain[0].dir, data],
        });
        await runTool("mariadb-backup prepare", {
          cmd: BACKUP,
          args: ["--no-defaults", "--prepare", `--target-dir=${data}`],
        });
        for (const inc of chain.slice(1)) {
          await runTool("mariadb-backup prepare incremental", {
            cmd: BACKUP,
            args: [
              "--no-defaults",
              "--prepare",
              `--target-dir=${data}`,
              `--incremental-dir=${inc.dir}`,
            ],
          });
        }
      },
    );
    if (options.toBackup) return { engine, restoreMs: prepareMs, startMs };
    const t0 = performance.now();
    try {
      await this.replay(engine, chain[chain.length - 1].dir, stop);
    } catch (err) {
      await engine.stop();
      throw err;
    }
    return { engine, restoreMs: prepareMs, startMs: startMs + performance.now() - t0 };
  }

  /** Replay the archived binlog from the backup's position (up to `stop`) into `engine`. */
  private async replay(engine: Engine, backupDir: string, stop?: string) {
    // mariadb-backup records the binlog file and position its copy is consistent with.
    const [file, pos] = (await Deno.readTextFile(`${backupDir}/xtrabackup_binlog_info`))
      .trim().split("\t");
    const files = [...Deno.readDirSync(this.binlogs)].map((f) => f.name)
      .filter((n) => n >= file && /\.\d+$/.test(n)).sort();
    if (files[0] !== file) {
      throw new EngineError(`mariadb: binlog ${file} is not in the archive (flushLog first)`);
    }
    const args = ["--no-defaults", `--start-position=${pos}`];
    if (stop) args.push(`--stop-datetime=${stop}`);
    args.push(...files.map((f) => `${this.binlogs}/${f}`));
    await runTool("mariadb-binlog | mariadb", {
      cmd: "bash",
      args: [
        "-c",
        // TZ=UTC: mariadb-binlog reads --stop-datetime in its own time zone.
        'set -o pipefail; TZ=UTC "$0" "${@:3}" | "$1" --no-defaults --socket="$2" -uroot',
        BINLOG,
        CLIENT,
        mariadbSocket(engine.primary),
        ...args,
      ],
    });
  }

  /** Remove the backups and the binlog archive. */
  async close(): Promise<void> {
    await this.dir.remove();
  }
}

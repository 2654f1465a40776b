/**
 * Private server processes: a temp dir that records its owner, and a server started in a
 * process group of its own (so a pause or a kill reaches every backend it forks, and a
 * Ctrl-C in the terminal reaches only the runner, which then stops it properly).
 */

import { EngineError, oneLine, PortTaken } from "./errors.ts";
import {
  type OwnerRecord,
  processStartTicks,
  reapOrphans,
  TEMP_PREFIX,
  tempBase,
} from "./cleanup.ts";
import { waitUntil } from "./net.ts";
import { releaseGroup, releasePath, watchGroup, watchPath } from "./watchdog.ts";

let reaped: Promise<number> | undefined;

/** A fresh temp dir for one engine's nodes, recording who owns it for the reaper. */
export class RunDir {
  private owner: OwnerRecord;

  private constructor(readonly path: string) {
    this.owner = {
      runnerPid: Deno.pid,
      runnerStartTicks: processStartTicks(Deno.pid) ?? "",
      groups: [],
    };
  }

  /** Reap what dead runs left, then make `/tmp/dsbench-<label>-XXXX` (mode 755). */
  static async create(label: string): Promise<RunDir> {
    await (reaped ??= reapOrphans());
    const path = await Deno.makeTempDir({ dir: tempBase(), prefix: `${TEMP_PREFIX}${label}-` });
    watchPath(path);
    // Servers that run as their own OS user (postgres) must traverse into it.
    await Deno.chmod(path, 0o755);
    const dir = new RunDir(path);
    await dir.save();
    return dir;
  }

  /** A sub-directory, owned by `user` when we are root and the server runs as someone else. */
  async subdir(name: string, user?: string, mode = 0o700): Promise<string> {
    const path = `${this.path}/${name}`;
    await Deno.mkdir(path, { recursive: true, mode });
    await Deno.chmod(path, mode);
    if (user && runsAsOther(user)) await chownTo(path, user);
    return path;
  }

  /** Record a process group so a later run can reap it if this runner is SIGKILLed. */
  async addGroup(pgid: number): Promise<void> {
    this.owner.groups.push({ pgid, startTicks: processStartTicks(pgid) ?? "" });
    await this.save();
  }

  /** Synchronous {@link remove}, for the emergency path at process exit. */
  removeNow(): void {
    try {
      Deno.removeSync(this.path, { recursive: true });
    } catch { /* already gone, or a straggler still writes: the watchdog finishes */ }
  }

  /** Remove the whole dir (data, logs, owner record). */
  async remove(): Promise<void> {
    await Deno.remove(this.path, { recursive: true }).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
    releasePath(this.path);
  }

  private async save() {
    const tmp = `${this.path}/owner.json.tmp`;
    await Deno.writeTextFile(tmp, JSON.stringify(this.owner));
    await Deno.rename(tmp, `${this.path}/owner.json`);
  }
}

/** True when we are root and `user` is not, i.e. the server must drop privileges. */
export function runsAsOther(user: string): boolean {
  return Deno.uid() === 0 && user !== "root";
}

async function chownTo(path: string, user: string) {
  const out = await new Deno.Command("chown", { args: ["-R", `${user}:${user}`, path] }).output();
  if (!out.success) {
    throw new EngineError(
      `cannot chown ${path} to ${user}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
}

/** Throw a one-line error naming the Debian package when a binary is missing. */
export function requireBinary(path: string, debianPackage: string): string {
  try {
    Deno.statSync(path);
    return path;
  } catch {
    throw new EngineError(
      `${path} not found: install the Debian package ${debianPackage} (./denow runs .ci/setup, which installs it)`,
    );
  }
}

/** True when a file exists. */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * A driver's `nativeMissing` answer for a binary the set-up installs from Debian: undefined
 * when it is there, else a fatal reason naming the package.
 */
export function missingDebianBinary(
  path: string,
  debianPackage: string,
): { reason: string; fatal: true } | undefined {
  return exists(path)
    ? undefined
    : { reason: `${path} not found: install the Debian package ${debianPackage}`, fatal: true };
}

/** Find a binary on PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      const path = `${dir}/${name}`;
      if (Deno.statSync(path).isFile) return path;
    } catch { /* not here */ }
  }
  return undefined;
}

/** How to run one server process. */
export interface ServerCommand {
  cmd: string;
  args: string[];
  /** OS user to run as when the runner is root (PostgreSQL refuses root). */
  user?: string;
  /** Signal the server treats as its own clean shutdown. */
  stopSignal: Deno.Signal;
}

/** Run a short command to completion (initdb, basebackup), failing with its output. */
export async function runTool(
  what: string,
  command: ServerCommand | Omit<ServerCommand, "stopSignal">,
) {
  const argv = privileged(command.cmd, command.args, command.user);
  const out = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
    throw new EngineError(`${what} failed: ${tail(text, 3)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

function privileged(cmd: string, args: string[], user?: string): string[] {
  return user && runsAsOther(user)
    ? ["setpriv", `--reuid=${user}`, `--regid=${user}`, "--init-groups", "--", cmd, ...args]
    : [cmd, ...args];
}

/** The last `n` non-empty lines of a text, joined into one line. */
export function tail(text: string, n = 5): string {
  return oneLine(text.split("\n").filter((l) => l.trim()).slice(-n).join("\n"));
}

/**
 * One server process of a native engine. It runs in its own session/process group, its
 * output goes to a log file, and it keeps running even if the runner's pipes close.
 */
export class NativeServer {
  private child?: Deno.ChildProcess;
  private status?: Promise<Deno.CommandStatus>;
  private exited = false;
  private paused = false;

  constructor(
    readonly name: string,
    readonly role: string,
    readonly port: number,
    readonly dataDir: string,
    readonly logPath: string,
    private readonly runDir: RunDir,
    private readonly command: () => ServerCommand,
  ) {}

  /** True while the process has not exited. */
  get running(): boolean {
    return this.child !== undefined && !this.exited;
  }

  /** Spawn the server and wait until `ping` succeeds (a real query, not a port check). */
  async start(what: string, ping: () => Promise<unknown>, timeoutMs: number): Promise<void> {
    const { cmd, args, user } = this.command();
    // `sh -c 'exec ...'` keeps the pid (setsid and setpriv exec too) and sends output to the
    // log without tying the server to the runner's pipes.
    const argv = [
      "setsid",
      ...privileged("sh", ["-c", 'exec "$@" >>"$0" 2>&1', this.logPath, cmd, ...args], user),
    ];
    this.exited = false;
    this.paused = false;
    this.child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const pgid = this.child.pid;
    watchGroup(pgid);
    this.status = this.child.status.then((s) => {
      this.exited = true;
      releaseGroup(pgid);
      return s;
    });
    await this.runDir.addGroup(pgid);
    try {
      await waitUntil(ping, {
        timeoutMs,
        abort: () => this.exited ? this.failure(what, "exited during start-up") : undefined,
      });
    } catch (err) {
      const failure = err instanceof EngineError ? err : this.failure(what, (err as Error).message);
      await this.kill();
      throw failure;
    }
  }

  /** A one-line error with the log's tail (and a clear word when the port was taken). */
  failure(what: string, why: string): EngineError {
    const log = this.readLog();
    if (/address already in use|could not bind|bind: address/i.test(log)) {
      return new PortTaken(
        `${what}: port ${this.port} on 127.0.0.1 is taken; free it or leave the port unset`,
      );
    }
    return new EngineError(`${what} ${why}; log ${this.logPath}: ${tail(log, 4)}`);
  }

  /** The server's log so far. */
  readLog(): string {
    try {
      return Deno.readTextFileSync(this.logPath);
    } catch {
      return "";
    }
  }

  /** Clean shutdown by the server's own signal; SIGKILL if it takes longer than `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    if (!this.running || !this.child) return;
    if (this.paused) this.signalGroup("SIGCONT");
    try {
      Deno.kill(this.child.pid, this.command().stopSignal);
    } catch { /* already exiting */ }
    const timer = new Promise<"timeout">((r) => {
      const id = setTimeout(() => r("timeout"), graceMs);
      this.status!.finally(() => clearTimeout(id));
    });
    if (await Promise.race([this.status!, timer]) === "timeout") this.signalGroup("SIGKILL");
    await this.status;
    this.signalGroup("SIGKILL"); // any straggler forked by the server
  }

  /** SIGKILL the whole process group: a crash. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.signalGroup("SIGKILL");
    await this.status;
  }

  /** Synchronous SIGKILL, for the emergency path at process exit. */
  killNow(): void {
    if (!this.running) return;
    this.signalDescendants("SIGKILL"); // PostgreSQL's children left the group (setsid)
    this.signalGroup("SIGKILL");
  }

  /** SIGSTOP every process of the server. */
  pause(): void {
    if (!this.running) throw new EngineError(`${this.name} is not running; cannot pause it`);
    this.signalGroup("SIGSTOP");
    this.signalDescendants("SIGSTOP");
    this.paused = true;
  }

  /** SIGCONT after {@link pause}. */
  resume(): void {
    if (!this.running) throw new EngineError(`${this.name} is not running; cannot resume it`);
    this.signalDescendants("SIGCONT");
    this.signalGroup("SIGCONT");
    this.paused = false;
  }

  /**
   * Signals every descendant of the server, found by parent pid in /proc: PostgreSQL's
   * children call setsid() and leave the process group, so a group signal alone would stop
   * the postmaster while the startup process and walreceiver keep replaying WAL.
   */
  private signalDescendants(signal: Deno.Signal) {
    if (!this.child) return;
    const parentOf = new Map<number, number[]>();
    try {
      for (const e of Deno.readDirSync("/proc")) {
        if (!/^\d+$/.test(e.name)) continue;
        try {
          const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
          const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
          const list = parentOf.get(ppid) ?? [];
          list.push(Number(e.name));
          parentOf.set(ppid, list);
        } catch { /* exited meanwhile */ }
      }
    } catch {
      return; // no /proc: the group signal is all we can do
    }
    const queue = [...(parentOf.get(this.child.pid) ?? [])];
    while (queue.length > 0) {
      const pid = queue.shift()!;
      try {
        Deno.kill(pid, signal);
      } catch { /* gone */ }
      queue.push(...(parentOf.get(pid) ?? []));
    }
  }

  private signalGroup(signal: Deno.Signal) {
    if (!this.child) return;
    try {
      Deno.kill(-this.child.pid, signal);
    } catch { /* group gone */ }
  }
}

/**
 * The directory where the set-up keeps tools fetched from the Go module proxy and Maven
 * Central (.ci/setup: `${XDG_CACHE_HOME:-$HOME/.cache}/dsbench`), e.g. Toxiproxy and Hazelcast.
 */
export function toolCache(): string {
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  return `${xdg || `${Deno.env.get("HOME") ?? "/root"}/.cache`}/dsbench`;
}

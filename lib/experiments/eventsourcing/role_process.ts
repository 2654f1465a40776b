/**
 * Running one read-side role (a projector, the outbox relay) as an operating-system process of
 * its own, so the faults part can kill it with SIGKILL mid-stream — no `finally`, no socket
 * closed politely: the servers see the connections drop — and start it again.
 *
 * The parent spawns a role module with `Deno.Command`, handing it the engines' connection
 * details and the bindings' names (engine-free: the child finds the bindings in ./bindings.ts
 * by name) plus the role's own settings, as JSON in an environment variable. The child
 * ({@link serveRole}) rebuilds the admins, runs the same loop as the in-process role, prints
 * `ready`, then its counters as one JSON line per batch; it stops cleanly on SIGTERM and exits
 * when its stdin pipe closes, so it never outlives its parent. The parent may write command
 * lines to that pipe (the relay's `hold`) and wait for the child's answer lines.
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import type { BusAdmin, EsBinding, EventStoreAdmin, ReadModelAdmin } from "./binding.ts";
import { EVENTSOURCING_BINDINGS } from "./bindings.ts";
import type { EsRun } from "./context.ts";
import type { Loop, LoopStats } from "./projector.ts";

/** The part of a started engine a binding needs to connect (what crosses the process line). */
type EngineDetails = Pick<
  Engine,
  "engine" | "provider" | "version" | "primary" | "replicas" | "nodes" | "settings"
>;

/** Engines by role, with their bindings' names: the shared half of every child's spec. */
export interface RoleEngines {
  store: { binding: string; engine: EngineDetails };
  readModel?: { binding: string; engine: EngineDetails };
  bus?: { binding: string; engine: EngineDetails };
}

const ENV = "ES_ROLE_SPEC";

const details = (e: Engine): EngineDetails => ({
  engine: e.engine,
  provider: e.provider,
  version: e.version,
  primary: e.primary,
  replicas: e.replicas,
  nodes: e.nodes,
  settings: e.settings,
});

/** The run's engines as a child's spec carries them. */
export function roleEngines(ctx: EsRun): RoleEngines {
  const { store, readModel, bus } = ctx.engines;
  return {
    store: { binding: store!.binding, engine: details(store!.engine) },
    readModel: readModel && { binding: readModel.binding, engine: details(readModel.engine) },
    bus: bus && { binding: bus.binding, engine: details(bus.engine) },
  };
}

/** Call `f` with each line of a byte stream until it ends (never rejects). */
async function eachLine(
  stream: ReadableStream<Uint8Array<ArrayBuffer>>,
  f: (line: string) => void,
) {
  let rest = "";
  try {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop()!;
      for (const l of lines) f(l);
    }
    if (rest) f(rest);
  } catch {
    // the child was killed mid-line
  }
}

/** A role's child process as the parent drives it. */
export class RoleProcess {
  /** The counters the child last reported (a killed child's final batch may be missing). */
  stats: LoopStats = { batches: 0, events: 0, duplicates: 0, errors: 0 };
  #child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #reading: Promise<void>;
  #log: string[] = [];
  #waiting = new Map<string, () => void>();

  private constructor(module: URL, spec: unknown) {
    const config = new URL("../../../deno.json", import.meta.url).pathname;
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", config, module.pathname],
      env: { [ENV]: JSON.stringify(spec), NO_COLOR: "1" },
      // The child exits when this pipe closes, so it never outlives its parent.
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.#reading = eachLine(this.#child.stdout, (line) => {
      if (line.startsWith("{")) {
        try {
          this.stats = JSON.parse(line);
        } catch {
          // not a counters line
        }
      } else {
        this.#waiting.get(line)?.();
        this.#waiting.delete(line);
      }
    });
    // Keep the child's last words for the message if it dies on its own.
    eachLine(this.#child.stderr, (line) => this.#log.push(line));
  }

  /** Spawn `module` (a role module calling {@link serveRole}) and wait until it is ready. */
  static async start(module: URL, spec: unknown, what: string): Promise<RoleProcess> {
    const rp = new RoleProcess(module, spec);
    const ready = rp.waitFor("ready", 60_000);
    const first = await Promise.race([ready.then(() => undefined), rp.#child.status]);
    if (first) {
      throw new Error(
        `eventsourcing: ${what} process exited (${first.code}): ${rp.#log.slice(-5).join(" | ")}`,
      );
    }
    return rp;
  }

  /** Wait for the child to print `line` (true) or for `timeoutMs` to pass (false). */
  waitFor(line: string, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#waiting.delete(line);
        resolve(false);
      }, timeoutMs);
      this.#waiting.set(line, () => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  /** Write a command line to the child. */
  async send(line: string) {
    await this.#stdin.write(new TextEncoder().encode(line + "\n"));
  }

  async #end(signal: Deno.Signal) {
    try {
      this.#child.kill(signal);
    } catch {
      // it had exited already
    }
    await this.#child.status;
    await this.#stdin.close().catch(() => {});
    await this.#reading;
  }

  /** kill -9: the process dies wherever it is. */
  kill(): Promise<void> {
    return this.#end("SIGKILL");
  }

  /** Ask the child to finish its batch and exit (SIGTERM); resolves when it has. */
  stop(): Promise<void> {
    return this.#end("SIGTERM");
  }
}

/** The admins a child rebuilds from its spec, and how to close them. */
export interface ChildAdmins {
  store: EventStoreAdmin;
  readModel?: ReadModelAdmin;
  bus?: BusAdmin;
  close(): Promise<void>;
}

async function connect(spec: RoleEngines): Promise<ChildAdmins> {
  const binding = (name: string): EsBinding => {
    const b = EVENTSOURCING_BINDINGS.find((x) => x.name === name);
    if (!b) throw new Error(`no binding ${name}`);
    return b;
  };
  // The bindings connect with the engine's connection details only; the fault verbs and
  // stop() stay with the parent, which started the engines.
  const asEngine = (e: EngineDetails) => e as unknown as Engine;
  const store = await binding(spec.store.binding).eventStore!(asEngine(spec.store.engine));
  const readModel = spec.readModel &&
    await binding(spec.readModel.binding).readModel?.(asEngine(spec.readModel.engine));
  const bus = spec.bus && await binding(spec.bus.binding).bus?.(asEngine(spec.bus.engine));
  return {
    store,
    readModel,
    bus,
    async close() {
      await bus?.close();
      await readModel?.close();
      await store.close();
    },
  };
}

/**
 * The child's side: read the spec, connect, let `body` start its loop, report `ready` and the
 * loop's counters after every batch; pass the parent's command lines to `onCommand`; stop on
 * SIGTERM, exit when the parent's pipe closes.
 */
export async function serveRole<S extends RoleEngines>(
  body: (spec: S, admins: ChildAdmins) => Promise<Loop>,
  onCommand?: (line: string, loop: Loop) => void,
) {
  const raw = Deno.env.get(ENV);
  if (!raw) throw new Error(`${ENV} is not set`);
  const spec = JSON.parse(raw) as S;
  const admins = await connect(spec);
  const loop = await body(spec, admins);
  loop.onBatch = (stats) => console.log(JSON.stringify(stats));
  // An orphan would hold connections and a consumer: end with the parent's pipe.
  eachLine(Deno.stdin.readable, (line) => onCommand?.(line, loop)).then(() => Deno.exit(3));
  loop.start();
  console.log("ready");
  await new Promise<void>((resolve) => Deno.addSignalListener("SIGTERM", resolve));
  await loop.stop();
  await admins.close();
  console.log(JSON.stringify(loop.stats));
  Deno.exit(0);
}

/**
 * A projector in its own operating-system process, so the faults part can kill it with
 * SIGKILL mid-stream (no `finally`, no socket closed politely: the servers see the connections
 * drop) and start it again. The parent spawns this module with `Deno.Command`, handing it the
 * engines' connection details and the bindings' names (engine-free: the child finds the
 * bindings in ./bindings.ts by name); the child runs the same {@link Projector} as the
 * in-process one and reports its counters on stdout, one JSON line per batch. The parent
 * watches progress through the sink's checkpoint, which the child commits with its rows.
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import { sleep } from "../../engines/runtime/net.ts";
import { after, type Checkpoint, type ProjectionName } from "./domain.ts";
import type {
  BusAdmin,
  EsBinding,
  EventStoreAdmin,
  ProjectionSink,
  ReadModelAdmin,
} from "./binding.ts";
import { EVENTSOURCING_BINDINGS } from "./bindings.ts";
import type { EsRun } from "./context.ts";
import { type LoopStats, Projector } from "./projector.ts";
import type { Feed } from "./readside.ts";

/** The part of a started engine a binding needs to connect (what crosses the process line). */
type EngineDetails = Pick<
  Engine,
  "engine" | "provider" | "version" | "primary" | "replicas" | "nodes" | "settings"
>;

/** What the child needs: engines by role, with their bindings' names, and what to project. */
interface ChildSpec {
  store: { binding: string; engine: EngineDetails };
  readModel?: { binding: string; engine: EngineDetails };
  bus?: { binding: string; engine: EngineDetails };
  feed: Feed;
  projection: ProjectionName;
  consumer: string;
  batch: number;
  pollMs: number;
  ackWaitMs: number;
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

const details = (e: Engine): EngineDetails => ({
  engine: e.engine,
  provider: e.provider,
  version: e.version,
  primary: e.primary,
  replicas: e.replicas,
  nodes: e.nodes,
  settings: e.settings,
});

/** A projector process as the faults part drives it: the same verbs as an in-process one. */
export class ProjectorProcess {
  /** The counters the child last reported (a killed child's final batch may be missing). */
  stats: LoopStats = { batches: 0, events: 0, duplicates: 0, errors: 0 };
  #child: Deno.ChildProcess | undefined;
  #reading: Promise<void> = Promise.resolve();
  #log: string[] = [];

  private constructor(private readonly spec: ChildSpec, readonly sink: ProjectionSink) {}

  /** Spawn a projector of `p` on `feed` (consumer `name`) and wait until it has started. */
  static async start(ctx: EsRun, feed: Feed, p: ProjectionName, name: string) {
    const { store, readModel, bus } = ctx.engines;
    const spec: ChildSpec = {
      store: { binding: store!.binding, engine: details(store!.engine) },
      readModel: readModel && { binding: readModel.binding, engine: details(readModel.engine) },
      bus: bus && { binding: bus.binding, engine: details(bus.engine) },
      feed,
      projection: p,
      consumer: name,
      batch: ctx.config.feeds.batch,
      pollMs: ctx.config.feeds.pollMs,
      ackWaitMs: ctx.config.faults.ackWaitMs,
    };
    // The parent's own sink: reads the checkpoint and dumps the read model, never applies.
    const sink = await (p === "storefront" ? readModel!.admin.sink(p) : store!.admin.sink(p));
    const pp = new ProjectorProcess(spec, sink);
    await pp.spawn();
    return pp;
  }

  private async spawn() {
    const config = new URL("../../../deno.json", import.meta.url).pathname;
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", config, new URL(import.meta.url).pathname],
      env: { ES_PROJECTOR_SPEC: JSON.stringify(this.spec), NO_COLOR: "1" },
      // The child exits when this pipe closes, so it never outlives its parent.
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let ready!: () => void;
    const started = new Promise<void>((resolve) => (ready = resolve));
    this.#reading = eachLine(this.#child.stdout, (line) => {
      if (line === "ready") ready();
      else if (line.startsWith("{")) {
        try {
          this.stats = JSON.parse(line);
        } catch {
          // not a counters line
        }
      }
    });
    // Keep the child's last words for the message if it dies on its own.
    eachLine(this.#child.stderr, (line) => this.#log.push(line));
    const status = this.#child.status.then((s) => s);
    const first = await Promise.race([started.then(() => undefined), status]);
    if (first) {
      throw new Error(
        `eventsourcing: projector process exited (${first.code}): ${
          this.#log.slice(-5).join(" | ")
        }`,
      );
    }
  }

  /** Wait until the sink's committed checkpoint has reached `target`; true when it did. */
  async reach(target: Checkpoint, timeoutMs: number): Promise<boolean> {
    const end = performance.now() + timeoutMs;
    while (after(target, await this.sink.checkpoint())) {
      if (performance.now() > end) return false;
      await sleep(20);
    }
    return true;
  }

  /** kill -9: the process dies wherever it is. */
  async crash() {
    const child = this.#child;
    if (!child) return await this.sink.close().catch(() => {});
    this.#child = undefined;
    try {
      child.kill("SIGKILL");
    } catch {
      // it had exited already
    }
    await child.status;
    await child.stdin.close().catch(() => {});
    await this.#reading;
    // The parent's reader goes with the handle (a restart opens its own).
    await this.sink.close().catch(() => {});
  }

  /** Ask the child to finish its batch and exit (SIGTERM), then close the parent's sink. */
  async stop() {
    const child = this.#child;
    this.#child = undefined;
    if (child) {
      try {
        child.kill("SIGTERM");
      } catch {
        // it had exited already
      }
      await child.status;
      await child.stdin.close().catch(() => {});
      await this.#reading;
    }
    await this.sink.close();
  }
}

/** The child: rebuild the admins from the spec, run the projector until SIGTERM. */
async function childMain(spec: ChildSpec) {
  // An orphan would hold connections and a consumer: end with the parent's pipe.
  (async () => {
    for await (const _ of Deno.stdin.readable) { /* the parent never writes */ }
    Deno.exit(3);
  })();
  const binding = (name: string): EsBinding => {
    const b = EVENTSOURCING_BINDINGS.find((x) => x.name === name);
    if (!b) throw new Error(`no binding ${name}`);
    return b;
  };
  // The bindings connect with the engine's connection details only; the fault verbs and
  // stop() stay with the parent, which started the engines.
  const asEngine = (e: EngineDetails) => e as unknown as Engine;
  const store: EventStoreAdmin = await binding(spec.store.binding).eventStore!(
    asEngine(spec.store.engine),
  );
  const readModel: ReadModelAdmin | undefined = spec.readModel &&
    await binding(spec.readModel.binding).readModel?.(asEngine(spec.readModel.engine));
  const bus: BusAdmin | undefined = spec.bus &&
    await binding(spec.bus.binding).bus?.(asEngine(spec.bus.engine));
  const source = spec.feed === "nats"
    ? await bus!.source(spec.consumer, spec.ackWaitMs, spec.batch)
    : await store.source(spec.feed, spec.pollMs);
  const sink = spec.projection === "storefront"
    ? await readModel!.sink(spec.projection)
    : await store.sink(spec.projection);
  const pr = await new Projector(source, sink, spec.batch, () => {
    console.log(JSON.stringify(pr.stats));
  }).init();
  pr.start();
  console.log("ready");
  const stopped = new Promise<void>((resolve) => Deno.addSignalListener("SIGTERM", resolve));
  await stopped;
  await pr.stop();
  await bus?.close();
  await readModel?.close();
  await store.close();
  console.log(JSON.stringify(pr.stats));
  Deno.exit(0);
}

if (import.meta.main) {
  const raw = Deno.env.get("ES_PROJECTOR_SPEC");
  if (!raw) throw new Error("ES_PROJECTOR_SPEC is not set");
  await childMain(JSON.parse(raw) as ChildSpec);
}

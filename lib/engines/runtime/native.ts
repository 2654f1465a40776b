/**
 * The native provider's common half: an {@link Engine} made of private server processes in
 * one temp dir. Engine modules supply how to start each node; this class supplies the
 * verbs (kill, pause, resume, restart, stop) and the promise that nothing is left behind.
 */

import { track, waitIfInterrupted } from "./cleanup.ts";
import { EngineError, PortTaken } from "./errors.ts";
import { NativeServer, RunDir, type ServerCommand } from "./process.ts";
import { assertPortFree, freePort, LOOPBACK } from "./net.ts";
import type { Engine, EngineDefinition, EngineNode, EngineSpec } from "../types.ts";

/** How many times a launch whose port another process took is tried on fresh ports. */
const PORT_ATTEMPTS = 3;

/** A node of a native engine: the process, and how to tell it is ready. */
interface NativeNode {
  server: NativeServer;
  node: EngineNode;
  ping: () => Promise<unknown>;
}

/** A started native engine (built up node by node by an engine module). */
export class NativeEngine implements Engine {
  readonly provider = "native" as const;
  version = "";
  settings: Record<string, string> = {};
  walArchiveDir?: string;
  private readonly started: NativeNode[] = [];
  private readonly cleanups: { later: () => Promise<void>; now: () => void }[] = [];
  private stopped = false;
  private readonly untrack: () => void;

  private constructor(
    readonly engine: string,
    readonly runDir: RunDir,
    readonly timeoutMs: number,
    /** Called after a node restarts (e.g. to re-attach a replica). */
    private readonly afterRestart?: (name: string) => Promise<void>,
  ) {
    this.untrack = track(this, () => {
      for (const n of this.started) n.server.killNow();
      for (const c of this.cleanups) c.now();
      runDir.removeNow();
    });
  }

  /**
   * Make the temp dir, register for clean-up, run `build` to start the nodes; on any error
   * (or an interrupt) stop what was started and remove the dir before rethrowing. When another
   * process took a port between its choice and the server's bind, and the spec did not fix
   * the port, the whole engine is launched again on fresh ports.
   */
  static async launch(
    engine: string,
    spec: EngineSpec,
    build: (e: NativeEngine) => Promise<void>,
    afterRestart?: (e: NativeEngine, name: string) => Promise<void>,
  ): Promise<NativeEngine> {
    for (let attempt = 1;; attempt++) {
      try {
        return await NativeEngine.launchOnce(engine, spec, build, afterRestart);
      } catch (err) {
        if (!(err instanceof PortTaken) || spec.port || attempt >= PORT_ATTEMPTS) throw err;
      }
    }
  }

  private static async launchOnce(
    engine: string,
    spec: EngineSpec,
    build: (e: NativeEngine) => Promise<void>,
    afterRestart?: (e: NativeEngine, name: string) => Promise<void>,
  ): Promise<NativeEngine> {
    const runDir = await RunDir.create(spec.label ?? engine);
    const self: NativeEngine = new NativeEngine(
      engine,
      runDir,
      spec.startTimeoutMs ?? 60_000,
      afterRestart && ((name) => afterRestart(self, name)),
    );
    try {
      await build(self);
      return self;
    } catch (err) {
      await self.stop();
      await waitIfInterrupted();
      throw err;
    }
  }

  /** Start a server as a node of this engine and wait for it to answer `ping`. */
  async startNode(server: NativeServer, node: EngineNode, ping: () => Promise<unknown>) {
    if (this.stopped) throw new EngineError(`${this.engine}: start-up interrupted`);
    this.started.push({ server, node, ping });
    await server.start(
      `${this.engine} ${node.name}`,
      () => this.checkStopped().then(ping),
      this.timeoutMs,
    );
  }

  private checkStopped(): Promise<void> {
    return this.stopped
      ? Promise.reject(new EngineError(`${this.engine}: start-up interrupted`))
      : Promise.resolve();
  }

  /** The first node whose role is `primary`, else the first node started. */
  get primary(): EngineNode {
    return (this.started.find((n) => n.node.role === "primary") ?? this.started[0]).node;
  }

  /**
   * Something to undo after every server has stopped (a network namespace): `later` on a
   * normal stop, `now` on the emergency path at exit.
   */
  addCleanup(later: () => Promise<void>, now: () => void): void {
    this.cleanups.push({ later, now });
  }

  get replicas(): EngineNode[] {
    return this.started.slice(1).filter((n) => n.node.role === "replica").map((n) => n.node);
  }

  /** Every node started so far, primary first. */
  get nodes(): EngineNode[] {
    return this.started.map((n) => n.node);
  }

  /** The server behind a node name (default the primary). */
  server(name = "primary"): NativeServer {
    const found = this.started.find((n) => n.node.name === name);
    if (!found) {
      const names = this.started.map((n) => n.node.name).join(", ");
      throw new EngineError(`${this.engine} has no node "${name}" (nodes: ${names})`);
    }
    return found.server;
  }

  async kill(name = "primary"): Promise<void> {
    await this.server(name).kill();
  }

  pause(name = "primary"): Promise<void> {
    this.server(name).pause();
    return Promise.resolve();
  }

  resume(name = "primary"): Promise<void> {
    this.server(name).resume();
    return Promise.resolve();
  }

  async restart(name = "primary"): Promise<void> {
    const server = this.server(name);
    const n = this.started.find((x) => x.server === server)!;
    await n.server.stop();
    await n.server.start(`${this.engine} ${name} (restart)`, n.ping, this.timeoutMs);
    await this.afterRestart?.(name);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // Replicas first: a synchronous primary would otherwise wait on them while stopping.
    for (const n of [...this.started].reverse()) await n.server.stop();
    for (const c of this.cleanups.splice(0).reverse()) await c.later();
    await this.runDir.remove();
    this.untrack();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** Describe a loopback node of a native engine. */
export function nodeAt(
  name: string,
  role: EngineNode["role"],
  port: number,
  url: string,
  dataDir?: string,
): EngineNode {
  return { name, role, host: LOOPBACK, port, url, dataDir };
}

/** The spec's server settings as strings, the form servers and results take. */
export function stringSettings(spec: EngineSpec): Record<string, string> {
  return Object.fromEntries(Object.entries(spec.settings ?? {}).map(([k, v]) => [k, String(v)]));
}

/** How to run a single-server native engine (memcached, influxd, cockroach). */
export interface SingleNodeRecipe {
  /** Connection URL for the node's port. */
  url(port: number): string;
  /** Write config files into the node's data dir before the start. */
  prepare?(node: EngineNode): Promise<void>;
  /** The server's command line for the node. */
  command(node: EngineNode): ServerCommand;
}

/**
 * Start a one-server engine: the port (fixed and checked, or free), a data dir, the server
 * started and answering the driver's ping, its version read. The rest is {@link NativeEngine}.
 */
export async function launchSingleNode(
  definition: Pick<EngineDefinition, "name" | "ping" | "version">,
  spec: EngineSpec,
  recipe: SingleNodeRecipe,
): Promise<NativeEngine> {
  if (spec.port) assertPortFree(spec.port, definition.name);
  return await NativeEngine.launch(definition.name, spec, async (e) => {
    e.settings = stringSettings(spec);
    const port = spec.port ?? freePort();
    const node = nodeAt(
      "primary",
      "primary",
      port,
      recipe.url(port),
      await e.runDir.subdir("primary"),
    );
    await recipe.prepare?.(node);
    const server = new NativeServer(
      node.name,
      node.role,
      port,
      node.dataDir!,
      `${e.runDir.path}/${node.name}.log`,
      e.runDir,
      () => recipe.command(node),
    );
    await e.startNode(server, node, () => definition.ping(node));
    e.version = await definition.version(node);
  });
}

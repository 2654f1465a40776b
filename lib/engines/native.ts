/**
 * The native provider's common half: an {@link Engine} made of private server processes in
 * one temp dir. Engine modules supply how to start each node; this class supplies the
 * verbs (kill, pause, resume, restart, stop) and the promise that nothing is left behind.
 */

import { track, waitIfInterrupted } from "./cleanup.ts";
import { EngineError } from "./errors.ts";
import { type NativeServer, RunDir } from "./process.ts";
import type { Engine, EngineName, EngineNode, EngineSpec } from "./types.ts";

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
  private readonly nodes: NativeNode[] = [];
  private stopped = false;
  private readonly untrack: () => void;

  private constructor(
    readonly engine: EngineName,
    readonly runDir: RunDir,
    readonly timeoutMs: number,
    /** Called after a node restarts (e.g. to re-attach a replica). */
    private readonly afterRestart?: (name: string) => Promise<void>,
  ) {
    this.untrack = track(this, () => {
      for (const n of this.nodes) n.server.killNow();
      runDir.removeNow();
    });
  }

  /**
   * Make the temp dir, register for clean-up, run `build` to start the nodes; on any error
   * (or an interrupt) stop what was started and remove the dir before rethrowing.
   */
  static async launch(
    engine: EngineName,
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
    this.nodes.push({ server, node, ping });
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

  get primary(): EngineNode {
    return this.nodes[0].node;
  }

  get replicas(): EngineNode[] {
    return this.nodes.slice(1).map((n) => n.node);
  }

  /** The server behind a node name (default the primary). */
  server(name = "primary"): NativeServer {
    const found = this.nodes.find((n) => n.node.name === name);
    if (!found) {
      const names = this.nodes.map((n) => n.node.name).join(", ");
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
    const n = this.nodes.find((x) => x.server === server)!;
    await n.server.stop();
    await n.server.start(`${this.engine} ${name} (restart)`, n.ping, this.timeoutMs);
    await this.afterRestart?.(name);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // Replicas first: a synchronous primary would otherwise wait on them while stopping.
    for (const n of [...this.nodes].reverse()) await n.server.stop();
    await this.runDir.remove();
    this.untrack();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

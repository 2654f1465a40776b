/**
 * `./denow task jupyter`: the notebook server for people who read and re-run the notebooks —
 * Debian's `jupyter notebook`, bound to 127.0.0.1, with a token, opened on notebooks/, as root
 * (`--allow-root`) or as a normal user alike. Kernels it starts use the user's "deno"
 * kernelspec that .ci/setup installs, which runs this checkout's pinned Deno.
 *
 *     ./denow task jupyter [--port N]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import { freePort, portFree, waitUntil } from "../engines/runtime/net.ts";
import { REPO_ROOT } from "../results/paths.ts";

/** Debian's Jupyter launcher (the pyenv python on PATH may lack the notebook package). */
export const JUPYTER = "/usr/bin/jupyter";

/** A running notebook server. */
export interface NotebookServer {
  /** Base URL, e.g. http://127.0.0.1:8888 */
  base: string;
  token: string;
  /** The URL to open in a browser (token included). */
  url: string;
  child: Deno.ChildProcess;
  stop(): Promise<void>;
}

/** The command line of the server: what the README shows, as this task runs it. */
export function jupyterArgs(port: number, token: string, notebookDir: string): string[] {
  const args = [
    "notebook",
    "--no-browser",
    "--ip=127.0.0.1",
    `--port=${port}`,
    "--port-retries=0",
    `--notebook-dir=${notebookDir}`,
    `--NotebookApp.token=${token}`,
  ];
  if (Deno.uid() === 0) args.push("--allow-root"); // Jupyter refuses root without it
  return args;
}

/** Start the server and wait until its API answers; `quiet` keeps its log off the terminal. */
export async function startNotebookServer(
  { port, notebookDir = join(REPO_ROOT, "notebooks"), quiet = false }: {
    port?: number;
    notebookDir?: string;
    quiet?: boolean;
  } = {},
): Promise<NotebookServer> {
  const chosen = port ?? (portFree(8888) ? 8888 : freePort());
  const token = crypto.randomUUID().replaceAll("-", "");
  const child = new Deno.Command(JUPYTER, {
    args: jupyterArgs(chosen, token, notebookDir),
    stdin: "null",
    stdout: quiet ? "null" : "inherit",
    stderr: quiet ? "null" : "inherit",
    env: { NO_COLOR: "1" },
  }).spawn();
  const base = `http://127.0.0.1:${chosen}`;
  let exited = false;
  child.status.then(() => (exited = true));
  const stop = async () => {
    if (!exited) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
    }
    await child.status;
  };
  try {
    await waitUntil(async () => {
      const res = await fetch(`${base}/api/status?token=${token}`);
      await res.body?.cancel();
      if (!res.ok) throw new Error(`status ${res.status}`);
    }, {
      timeoutMs: 30_000,
      intervalMs: 200,
      abort: () => exited ? new Error("jupyter notebook exited during start-up") : undefined,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { base, token, url: `${base}/tree?token=${token}`, child, stop };
}

/** Command line entry: start, print the URL, run until Ctrl-C. */
export async function jupyterMain(args: string[]): Promise<number> {
  let port: number | undefined;
  try {
    const { values } = parseArgs({
      args,
      options: { port: { type: "string" }, help: { type: "boolean", short: "h", default: false } },
    });
    if (values.help) {
      console.log(`usage: ./denow task jupyter [--port N]
  Start the notebook server on 127.0.0.1 (default port 8888, or a free one) with a token, on
  notebooks/; open the printed URL. Pick the "Deno" kernel. Ctrl-C stops it.`);
      return 0;
    }
    if (values.port !== undefined) {
      port = Number(values.port);
      if (!Number.isInteger(port) || port < 1024 || port > 65535) {
        throw new Error(`--port must be an integer from 1024 to 65535, got "${values.port}"`);
      }
    }
  } catch (err) {
    console.error(`error: ${(err as Error).message}; see ./denow task jupyter --help`);
    return 2;
  }
  const server = await startNotebookServer({ port, quiet: true });
  console.error(`jupyter: open ${server.url}  (Ctrl-C stops the server)`);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    Deno.addSignalListener(signal, () => void server.stop());
  }
  const status = await server.child.status;
  return status.success || status.signal === "SIGTERM" ? 0 : status.code;
}

if (import.meta.main) Deno.exit(await jupyterMain(Deno.args));

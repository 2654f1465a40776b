/**
 * CPU placement of a measurement: `shared` lets the scheduler put the runner (and the C tools
 * it spawns) and the engines it started on any core; `split` pins every engine process the
 * runner started (its descendants, all their threads — new PostgreSQL backends and MariaDB
 * threads inherit the mask) to the first core and the runner to the others, so client and
 * server stop competing for one core. Uses `taskset` (util-linux) on Linux; elsewhere, or with
 * one core, placement is a no-op reported as `shared`.
 *
 * @module
 */

/** Where the runner and its engines may run. */
export type Placement = "shared" | "split";

/** Children by parent pid, from /proc. */
export function processTree(): Map<number, number[]> {
  const parentOf = new Map<number, number[]>();
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parentOf.set(ppid, [...(parentOf.get(ppid) ?? []), Number(e.name)]);
    } catch {
      // the process ended meanwhile
    }
  }
  return parentOf;
}

/** Every descendant of `root` (breadth first). */
export function descendants(root: number, tree = processTree()): number[] {
  const out: number[] = [];
  const queue = [...(tree.get(root) ?? [])];
  while (queue.length) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(tree.get(pid) ?? []));
  }
  return out;
}

async function taskset(cpus: string, pid: number): Promise<boolean> {
  try {
    const r = await new Deno.Command("taskset", {
      args: ["-a", "-p", "-c", cpus, String(pid)],
      stdout: "null",
      stderr: "null",
    }).output();
    return r.success;
  } catch {
    return false;
  }
}

/** The cores `split` gives the engines and the runner, or undefined when it cannot split. */
export function splitCores(
  cores = navigator.hardwareConcurrency,
): { engine: string; runner: string } | undefined {
  if (Deno.build.os !== "linux" || !(cores >= 2)) return undefined;
  return { engine: "0", runner: cores === 2 ? "1" : `1-${cores - 1}` };
}

/**
 * Apply a placement to the runner and every engine process it started; returns the placement
 * in force (`shared` when `split` is impossible here). Call again with `shared` to undo.
 */
export async function place(placement: Placement): Promise<Placement> {
  const split = splitCores();
  if (!split) return "shared";
  const all = `0-${navigator.hardwareConcurrency - 1}`;
  const engines = descendants(Deno.pid).filter((pid) => {
    // The runner's own short-lived children (a tool mid-exit) are not engines.
    try {
      return !Deno.readTextFileSync(`/proc/${pid}/cmdline`).startsWith("taskset");
    } catch {
      return false;
    }
  });
  const engineCpus = placement === "split" ? split.engine : all;
  const runnerCpus = placement === "split" ? split.runner : all;
  const ok = await Promise.all(engines.map((pid) => taskset(engineCpus, pid)));
  const self = await taskset(runnerCpus, Deno.pid);
  // An engine process may end between listing and pinning (a closing backend): only the
  // runner's own pinning decides.
  if (placement === "split" && (!self || !ok.some((x) => x))) {
    await place("shared");
    return "shared";
  }
  return placement;
}

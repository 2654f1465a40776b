/** Helpers for engine tests: prove that nothing a run started is left behind. */

import { TEMP_PREFIX, tempBase } from "./runtime/cleanup.ts";

/**
 * Names of the workspace's temp dirs that exist now; with `label`, only those of engines
 * started with that label (other runs on the machine may be starting engines too).
 */
export function tempDirs(label = ""): string[] {
  const prefix = `${TEMP_PREFIX}${label}${label ? "-" : ""}`;
  return [...Deno.readDirSync(tempBase())]
    .filter((e) => e.name.startsWith(prefix))
    .map((e) => e.name);
}

/** True when a process (or any member of the process group, with `group`) still runs. */
export function alive(pid: number, group = false): boolean {
  try {
    Deno.kill(group ? -pid : pid, "SIGCONT"); // a harmless signal: only existence matters
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/\) Z /.test(stat); // a zombie has exited
  } catch {
    return false;
  }
}

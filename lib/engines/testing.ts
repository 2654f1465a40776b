/** Helpers for engine tests: prove that nothing a run started is left behind. */

import { TEMP_PREFIX, tempBase } from "./cleanup.ts";

/** Names of the workspace's temp dirs that exist now. */
export function tempDirs(): string[] {
  return [...Deno.readDirSync(tempBase())].filter((e) => e.name.startsWith(TEMP_PREFIX)).map((e) =>
    e.name
  );
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

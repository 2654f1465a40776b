/**
 * The run's watchdog: nothing a run starts outlives it, whatever ends the run — SIGKILL and a
 * closed terminal included, which no signal handler sees.
 *
 * On first use the runner spawns one small shell in a session of its own and keeps the write
 * end of its stdin pipe; no other process holds that end (Deno opens pipes close-on-exec).
 * The runner tells it, line by line, every process group it starts, every temp path it
 * makes and every network namespace it creates (./netns.ts), and what it has cleaned up itself. When the runner's process ends for any reason the
 * kernel closes the pipe, the shell reads end-of-file, kills the process groups still listed
 * and removes the paths still listed, then exits. A normal run has removed everything from the
 * lists by then, so the watchdog does nothing but exit.
 *
 * @module
 */

const SCRIPT = `
groups=""; paths=""; nets=""
while IFS= read -r line; do
  arg=\${line#? }
  case "$line" in
    "G "*) groups="$groups $arg" ;;
    "g "*) groups=$(for g in $groups; do [ "$g" = "$arg" ] || printf '%s ' "$g"; done) ;;
    "P "*) paths="$paths
$arg" ;;
    "p "*) paths=$(printf '%s\\n' "$paths" | grep -vxF -- "$arg") ;;
    "N "*) nets="$nets $arg" ;;
    "n "*) nets=$(for n in $nets; do [ "$n" = "$arg" ] || printf '%s ' "$n"; done) ;;
  esac
done
[ -n "$groups$paths$nets" ] || exit 0
for g in $groups; do kill -KILL "-$g" 2>/dev/null; done
sleep 1
for g in $groups; do kill -KILL "-$g" 2>/dev/null; done
for n in $nets; do ip netns del "$n" 2>/dev/null; done
printf '%s\\n' "$paths" | while IFS= read -r p; do [ -n "$p" ] && rm -rf -- "$p"; done
`;

let writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
let failed = false;
const encoder = new TextEncoder();

function send(line: string): void {
  if (failed) return;
  if (line.includes("\n")) throw new Error(`watchdog: a path with a newline: ${line}`);
  try {
    if (!writer) {
      const child = new Deno.Command("setsid", {
        args: ["sh", "-c", SCRIPT],
        stdin: "piped",
        stdout: "null",
        stderr: "null",
      }).spawn();
      child.unref(); // the watchdog never keeps the runner alive
      writer = child.stdin.getWriter();
    }
    writer.write(encoder.encode(`${line}\n`)).catch(() => (failed = true));
  } catch {
    // No setsid/sh, or no --allow-run: the signal handlers and the next run's reaper remain.
    failed = true;
  }
}

/** Kill this process group if the runner dies before {@link releaseGroup}. */
export function watchGroup(pgid: number): void {
  send(`G ${pgid}`);
}

/** The group has been stopped by the runner itself. */
export function releaseGroup(pgid: number): void {
  send(`g ${pgid}`);
}

/** Remove this file or directory if the runner dies before {@link releasePath}. */
export function watchPath(path: string): void {
  send(`P ${path}`);
}

/** The path has been removed (or handed over) by the runner itself. */
export function releasePath(path: string): void {
  send(`p ${path}`);
}

/** Delete this network namespace if the runner dies before {@link releaseNetns}. */
export function watchNetns(name: string): void {
  send(`N ${name}`);
}

/** The namespace has been deleted by the runner itself. */
export function releaseNetns(name: string): void {
  send(`n ${name}`);
}

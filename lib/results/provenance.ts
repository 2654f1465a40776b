/**
 * Provenance of results: where and from what code a number came. Collected once per process
 * run by {@link collectProvenance} and stamped on every row.
 *
 * @module
 */

import { cpus } from "node:os";

/** Host, toolchain and code identity stamped on every row. */
export interface Provenance {
  /** CPU model name. */
  host_cpu: string;
  /** Logical CPUs. */
  host_cores: number;
  /** Total memory, GiB with one decimal. */
  host_mem_gib: number;
  /** Distribution (from /etc/os-release) and kernel release. */
  host_os: string;
  /** Deno version. */
  deno_version: string;
  /** `git rev-parse HEAD`, or "unknown" without git. */
  git_commit: string;
  /**
   * Uncommitted changes to the code ({@link CODE_PATHS}, untracked files included); true when
   * git is unavailable. Outputs (data/, notebooks/, report/, adr/) do not count.
   */
  git_dirty: boolean;
  /** When provenance was collected (ISO 8601); runs record their own start. */
  started_at: string;
}

/**
 * What counts as code for `git_dirty`: what can change a measured number. Outputs the main
 * job writes while it runs (data/, executed notebooks/, report/, adr/) are left out, or every
 * experiment after the first would be marked dirty by its predecessors' CSVs.
 */
export const CODE_PATHS: readonly string[] = [
  "lib",
  "deno.json",
  "deno.lock",
  "package.json",
  "package-lock.json",
  ".ci",
  "denow",
];

async function git(args: string[], cwd: string): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("git", { args, cwd, stdout: "piped", stderr: "null" })
      .output();
    return out.success ? new TextDecoder().decode(out.stdout) : undefined;
  } catch {
    return undefined; // git missing, or no --allow-run
  }
}

function osName(): string {
  let distro = Deno.build.os as string;
  try {
    const text = Deno.readTextFileSync("/etc/os-release");
    const m = text.match(/^PRETTY_NAME="?([^"\n]*)"?$/m);
    if (m) distro = m[1];
  } catch {
    // not Linux, or not readable
  }
  let kernel = "";
  try {
    kernel = Deno.osRelease();
  } catch {
    // no --allow-sys
  }
  return kernel ? `${distro}; kernel ${kernel}` : distro;
}

/**
 * Collects host, Deno and git facts. `cwd` is the directory whose git state is recorded
 * (default: the current directory). Never throws: unknown facts become "unknown" / 0.
 */
export async function collectProvenance(opts: { cwd?: string } = {}): Promise<Provenance> {
  const cwd = opts.cwd ?? Deno.cwd();
  const [head, status] = await Promise.all([
    git(["rev-parse", "HEAD"], cwd),
    // ":(top)" makes the paths relative to the repository root whatever `cwd` is (notebooks
    // run with their own folder as cwd).
    git(["status", "--porcelain", "--", ...CODE_PATHS.map((p) => `:(top)${p}`)], cwd),
  ]);
  let cpuModel = "unknown";
  let cores = 0;
  try {
    const list = cpus();
    cores = list.length;
    cpuModel = list[0]?.model?.trim() || "unknown";
  } catch {
    // no --allow-sys
  }
  let mem = 0;
  try {
    mem = Math.round(Deno.systemMemoryInfo().total / 2 ** 30 * 10) / 10;
  } catch {
    // no --allow-sys
  }
  return {
    host_cpu: cpuModel,
    host_cores: cores,
    host_mem_gib: mem,
    host_os: osName(),
    deno_version: Deno.version.deno,
    git_commit: head?.trim() || "unknown",
    git_dirty: head === undefined || status === undefined ? true : status.trim() !== "",
    started_at: new Date().toISOString(),
  };
}

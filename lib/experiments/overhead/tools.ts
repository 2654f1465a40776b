/**
 * The C reference tools of the harness-overhead benchmark: pgbench (select-only, prepared)
 * and redis-benchmark (GET), run against a started engine on 127.0.0.1, with parsers of
 * their reports. Parsers are separate functions so tests can check them on captured output.
 *
 * @module
 */

/** pgbench binary (Debian postgresql-15). */
export const PGBENCH = "/usr/lib/postgresql/15/bin/pgbench";
/** redis-benchmark binary (Debian redis-tools). */
export const REDIS_BENCHMARK = "/usr/bin/redis-benchmark";

/** What a reference tool reported for one run. */
export interface ToolResult {
  /** Operations (transactions, requests) per second, as the tool reports it. */
  throughput: number;
  /** Mean latency (ms) as the tool reports it. */
  latencyMeanMs: number;
  /** p99 latency (ms) when the tool reports it. */
  latencyP99Ms?: number;
  /** The exact command line, for the CSV. */
  command: string;
  /** The tool's CPU seconds (user + system, from the runner's reaped-children times). */
  cpuS?: number;
  /** Operations the run completed (for CPU per operation). */
  operations?: number;
}

/** The runner's reaped children's CPU seconds (utime + stime), from /proc/self/stat. */
function childrenCpu(): number {
  try {
    const stat = Deno.readTextFileSync("/proc/self/stat");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return NaN;
  }
}

/** The tool's CPU seconds of the last {@link run} (one run at a time per process). */
let lastCpuS = NaN;

async function run(bin: string, args: string[]): Promise<string> {
  const before = childrenCpu();
  const out = await new Deno.Command(bin, { args, stdout: "piped", stderr: "piped" }).output();
  lastCpuS = childrenCpu() - before;
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").pop();
    throw new Error(`${bin.split("/").pop()} failed: ${err}`);
  }
  return text;
}

/** Parses pgbench's report: `tps = N (without initial connection time)`, `latency average`. */
export function parsePgbench(text: string): { throughput: number; latencyMeanMs: number } {
  const tps = text.match(/^tps = ([\d.]+) \(without initial connection time\)/m) ??
    text.match(/^tps = ([\d.]+)/m);
  const lat = text.match(/^latency average = ([\d.]+) ms/m);
  if (!tps || !lat) throw new Error(`pgbench: no tps/latency in its report:\n${text}`);
  return { throughput: Number(tps[1]), latencyMeanMs: Number(lat[1]) };
}

/** Parses redis-benchmark `--csv` output (one test): rps, avg and p99 latency (ms). */
export function parseRedisBenchmarkCsv(
  text: string,
  test = "GET",
): { throughput: number; latencyMeanMs: number; latencyP99Ms: number } {
  const lines = text.split(/\r?\n/).filter((l) => l.startsWith('"'));
  const header = lines[0]?.split(",").map((c) => c.replaceAll('"', ""));
  const row = lines.find((l) => l.startsWith(`"${test}"`))?.split(",").map((c) =>
    c.replaceAll('"', "")
  );
  if (!header || !row) throw new Error(`redis-benchmark: no ${test} row in its CSV:\n${text}`);
  const col = (name: string) => {
    const i = header.indexOf(name);
    const v = Number(row[i]);
    if (i < 0 || !Number.isFinite(v)) throw new Error(`redis-benchmark: no ${name} in:\n${text}`);
    return v;
  };
  return {
    throughput: col("rps"),
    latencyMeanMs: col("avg_latency_ms"),
    latencyP99Ms: col("p99_latency_ms"),
  };
}

/** Where a tool connects: the node's connection URL (host, port, user, database). */
export interface ToolTarget {
  url: string;
}

/** pgbench's connection arguments and database for a `postgres://user@host:port/db` URL. */
function pgConn(t: ToolTarget): { args: string[]; database: string } {
  const u = new URL(t.url);
  return {
    args: ["-h", u.hostname, "-p", u.port || "5432", "-U", decodeURIComponent(u.username)],
    database: decodeURIComponent(u.pathname.slice(1)) || decodeURIComponent(u.username),
  };
}

/** `pgbench -i -s scale` (quiet, no vacuum of the whole database needed afterwards). */
export async function pgbenchInit(t: ToolTarget, scale: number): Promise<void> {
  const { args, database } = pgConn(t);
  await run(PGBENCH, [...args, "-i", "-q", "-s", String(scale), database]);
}

/**
 * `pgbench -S -M prepared -n -c clients -j 1 -T seconds`: the built-in select-only script
 * (`SELECT abalance FROM pgbench_accounts WHERE aid = :aid`, aid uniform), one thread like
 * the harness's one event loop, no vacuum before the run (-n; nothing is written).
 */
export async function runPgbench(
  t: ToolTarget,
  clients: number,
  seconds: number,
): Promise<ToolResult> {
  const conn = pgConn(t);
  const args = [
    ...conn.args,
    "-S",
    "-M",
    "prepared",
    "-n",
    "-c",
    String(clients),
    "-j",
    "1",
    "-T",
    String(seconds),
    conn.database,
  ];
  const text = await run(PGBENCH, args);
  const r = parsePgbench(text);
  const n = text.match(/^number of transactions actually processed: (\d+)/m);
  return {
    ...r,
    command: `pgbench ${args.slice(6).join(" ")}`,
    cpuS: lastCpuS,
    ...(n ? { operations: Number(n[1]) } : {}),
  };
}

/**
 * `redis-benchmark -t get -c clients -P 1 -r keys -n requests --csv`: GETs of uniformly
 * random existing keys `key:%012d`, one request in flight per client.
 */
export async function runRedisBenchmark(
  t: ToolTarget,
  clients: number,
  keys: number,
  requests: number,
): Promise<ToolResult> {
  const u = new URL(t.url);
  const args = [
    "-h",
    u.hostname,
    "-p",
    u.port || "6379",
    "-t",
    "get",
    "-c",
    String(clients),
    "-P",
    "1",
    "-r",
    String(keys),
    "-n",
    String(requests),
    "--csv",
  ];
  const r = parseRedisBenchmarkCsv(await run(REDIS_BENCHMARK, args));
  return {
    ...r,
    command: `redis-benchmark ${args.slice(4).join(" ")}`,
    cpuS: lastCpuS,
    operations: requests,
  };
}

/** redis-benchmark's key for random number i: `key:` and 12 zero-padded digits. */
export function redisBenchmarkKey(i: number): string {
  return `key:${String(i).padStart(12, "0")}`;
}

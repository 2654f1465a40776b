/**
 * What notebook 01 and the ADR read off data/oltp_calibration.csv: per point, the harness's
 * throughput against each peer's as a paired ratio over the interleaved rounds (with its
 * 95 % interval), each tool's spread (CV) and client CPU per transaction, the invariant tally,
 * and the engine comparison as one peer (sysbench) drives both engines.
 *
 * @module
 */

import type { ResultRow } from "../../results/mod.ts";
import { coefficientOfVariation, pairedRatio, ratioOfMeans } from "../../stats/mod.ts";

/** Harness against one peer at one point. */
export interface CalibrationRatio {
  engine: string;
  isolation: string;
  concurrency: number;
  /** CPU placement (`shared`, `split`: engine and client on separate cores). */
  placement: string;
  /** The harness's tool name: `harness` (the binding's client) or `harness:<client>`. */
  harness: string;
  peer: string;
  /** Geometric mean of harness/peer over the rounds, and its 95 % interval. */
  ratio: number;
  low: number;
  high: number;
  /** Rounds paired. */
  n: number;
  harnessMean: number;
  peerMean: number;
  harnessCv: number;
  peerCv: number;
}

const mean = (v: readonly number[]) => v.reduce((s, x) => s + x, 0) / v.length;

const placementOf = (r: ResultRow) => String(r.placement ?? "") || "shared";

/** Values of `metric` by engine, isolation, concurrency, tool — each in round order. */
function byTool(rows: readonly ResultRow[], metric: string) {
  const out = new Map<string, Map<number, number>>();
  for (const r of rows) {
    if (r.metric !== metric || r.tool === undefined || r.tool === "") continue;
    const key = [r.engine, r.isolation, Number(r.concurrency), placementOf(r), r.tool].join("|");
    if (!out.has(key)) out.set(key, new Map());
    out.get(key)!.set(Number(r.repetition), Number(r.value));
  }
  return out;
}

/**
 * Every (engine, isolation, concurrency, placement) × harness client × peer with its paired
 * harness/peer ratio over the rounds both ran.
 */
export function calibrationRatios(rows: readonly ResultRow[]): CalibrationRatio[] {
  const t = byTool(rows, "throughput");
  const out: CalibrationRatio[] = [];
  for (const [key, peerByRound] of t) {
    const [engine, isolation, c, placement, tool] = key.split("|");
    if (tool.startsWith("harness")) continue;
    for (const [hkey, harness] of t) {
      const [he, hi, hc, hp, htool] = hkey.split("|");
      if (!htool.startsWith("harness") || he !== engine || hi !== isolation || hc !== c) continue;
      if (hp !== placement) continue;
      const rounds = [...peerByRound.keys()].filter((k) => harness.has(k)).sort((a, b) => a - b);
      if (rounds.length === 0) continue;
      const h = rounds.map((k) => harness.get(k)!);
      const p = rounds.map((k) => peerByRound.get(k)!);
      const r = pairedRatio(h, p);
      out.push({
        engine,
        isolation,
        concurrency: Number(c),
        placement,
        harness: htool,
        peer: tool,
        ratio: r.ratio,
        low: r.low,
        high: r.high,
        n: r.n,
        harnessMean: mean(h),
        peerMean: mean(p),
        harnessCv: coefficientOfVariation(h),
        peerCv: coefficientOfVariation(p),
      });
    }
  }
  return out.sort((a, b) =>
    a.engine.localeCompare(b.engine) || a.isolation.localeCompare(b.isolation) ||
    a.concurrency - b.concurrency || a.placement.localeCompare(b.placement) ||
    a.harness.localeCompare(b.harness) || a.peer.localeCompare(b.peer)
  );
}

/** The ratio at one point against one peer. */
export function calibrationAt(
  rows: readonly ResultRow[],
  engine: string,
  isolation: string,
  concurrency: number,
  peer: string,
  placement = "shared",
  harness = "harness",
): CalibrationRatio {
  const r = calibrationRatios(rows).find((x) =>
    x.engine === engine && x.isolation === isolation && x.concurrency === concurrency &&
    x.peer === peer && x.placement === placement && x.harness === harness
  );
  if (!r) throw new Error(`no calibration of ${engine} ${isolation} c=${concurrency} by ${peer}`);
  return r;
}

/** The calibrated point of an engine and isolation nearest (in clients) to `concurrency`. */
export function nearestCalibration(
  rows: readonly ResultRow[],
  engine: string,
  isolation: string,
  concurrency: number,
  peer: string,
): CalibrationRatio {
  const all = calibrationRatios(rows).filter((x) =>
    x.engine === engine && x.isolation === isolation && x.peer === peer &&
    x.placement === "shared" && x.harness === "harness"
  );
  if (all.length === 0) throw new Error(`no calibration of ${engine} ${isolation} by ${peer}`);
  const d = (x: CalibrationRatio) => Math.abs(Math.log(x.concurrency / concurrency));
  return all.reduce((a, b) => (d(b) < d(a) ? b : a));
}

/** Mean client CPU per transaction (µs) of one client library, per engine and tool. */
export interface ClientCpu {
  engine: string;
  tool: string;
  client: string;
  /** Mean over every run of the tool on the engine. */
  usPerTxn: number;
  /** Mean cores the client kept busy while it ran. */
  cores: number;
  runs: number;
}

/** Client CPU per transaction, per engine × tool (all shared-placement points together). */
export function clientCpu(rows: readonly ResultRow[]): ClientCpu[] {
  const groups = new Map<string, { us: number[]; cores: number[]; client: string }>();
  for (const r of rows) {
    if (r.metric !== "client_cpu_per_txn" && r.metric !== "client_cpu_cores") continue;
    if (placementOf(r) !== "shared") continue;
    const key = `${r.engine}|${r.tool}`;
    if (!groups.has(key)) groups.set(key, { us: [], cores: [], client: String(r.client) });
    const g = groups.get(key)!;
    (r.metric === "client_cpu_per_txn" ? g.us : g.cores).push(Number(r.value));
  }
  return [...groups].map(([key, g]) => {
    const [engine, tool] = key.split("|");
    return {
      engine,
      tool,
      client: g.client,
      usPerTxn: mean(g.us),
      cores: mean(g.cores),
      runs: g.us.length,
    };
  });
}

/** Client CPU per transaction at one point (µs), mean over its rounds. */
export function clientCpuAt(
  rows: readonly ResultRow[],
  engine: string,
  isolation: string,
  concurrency: number,
  tool: string,
  placement = "shared",
): number {
  const v = rows.filter((r) =>
    r.metric === "client_cpu_per_txn" && r.engine === engine && r.isolation === isolation &&
    Number(r.concurrency) === concurrency && r.tool === tool && placementOf(r) === placement
  ).map((r) => Number(r.value));
  if (v.length === 0) throw new Error(`no client CPU for ${engine} ${tool} c=${concurrency}`);
  return mean(v);
}

/** Calibration runs judged by the invariant check, and how many violated it. */
export function calibrationInvariant(rows: readonly ResultRow[]) {
  const flags = rows.filter((r) => r.metric === "invariant_valid");
  return { runs: flags.length, violated: flags.filter((r) => r.value !== 1).length };
}

/**
 * Engine A over engine B at one point as one peer drove both (independent runs: a Fieller
 * interval), beside the harness's ratio at the same point in the calibration rows.
 */
export function peerEngineRatio(
  rows: readonly ResultRow[],
  peer: string,
  a: string,
  b: string,
  isolation: string,
  concurrency: number,
) {
  const vals = (engine: string, tool: string) =>
    rows.filter((r) =>
      r.metric === "throughput" && r.engine === engine && r.tool === tool &&
      r.isolation === isolation && Number(r.concurrency) === concurrency &&
      placementOf(r) === "shared"
    ).map((r) => Number(r.value));
  const pa = vals(a, peer), pb = vals(b, peer);
  const ha = vals(a, "harness"), hb = vals(b, "harness");
  if (!pa.length || !pb.length || !ha.length || !hb.length) {
    throw new Error(
      `no ${peer} and harness runs of ${a} and ${b} at ${isolation} c=${concurrency}`,
    );
  }
  return { peer: ratioOfMeans(pa, pb), harness: ratioOfMeans(ha, hb) };
}

/**
 * The first run after an engine starts against the later repetitions of the same
 * configuration (the sweep's first: READ COMMITTED at its fewest clients): its throughput over
 * theirs, per engine. Below ~0.9 on every engine, the first repetition is systematically low.
 */
export function firstRunAfterStart(
  rows: readonly ResultRow[],
): { engine: string; concurrency: number; ratio: number }[] {
  const tput = rows.filter((r) =>
    r.metric === "throughput" && String(r.op ?? "") === "all" && r.concurrency !== "" &&
    r.concurrency !== undefined
  );
  const engines = [...new Set(tput.map((r) => r.engine))];
  return engines.flatMap((engine) => {
    const mine = tput.filter((r) => r.engine === engine);
    const iso = mine.some((r) => r.isolation === "read committed")
      ? "read committed"
      : String(mine[0].isolation);
    const c = Math.min(
      ...mine.filter((r) => r.isolation === iso).map((r) => Number(r.concurrency)),
    );
    const at = mine.filter((r) => r.isolation === iso && Number(r.concurrency) === c);
    const first = at.find((r) => Number(r.repetition) === 0);
    const later = at.filter((r) => Number(r.repetition) > 0).map((r) => Number(r.value));
    if (!first || later.length === 0) return [];
    return [{ engine, concurrency: c, ratio: Number(first.value) / mean(later) }];
  });
}

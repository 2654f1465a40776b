/**
 * Peer calibration of the OLTP experiment: at a few points (isolation × clients) on the same
 * started engine and the same data, the harness runs the mix, then each C peer the binding
 * names runs the same mix (./peers.ts), in rounds whose order alternates (harness → pgbench →
 * sysbench, then the reverse), the store reset before every run and the stock invariant
 * checked after every run of every tool. Every run records its throughput and the client's
 * CPU per transaction: the runner's own utime + stime over the measured window for the
 * harness, the tool's reaped-child times for a peer. The rows become data/oltp_calibration.csv;
 * ./calibration_summary.ts pairs them into harness/peer ratios.
 *
 * @module
 */

import { checkStock } from "../../checks/stock.ts";
import type { Engine } from "../../engines/mod.ts";
import { withRetry } from "../../load/retry.ts";
import { runClosedLoop } from "../../load/run.ts";
import type { ResultSet } from "../../results/mod.ts";
import type { Catalog } from "../../workload/generate.ts";
import { createMix } from "../../workload/mix.ts";
import { place, type Placement } from "../../load/placement.ts";
import { loadTicks, type Progress } from "../experiment.ts";
import { type ExperimentParams, runIdentity } from "../params.ts";
import type { Isolation, OltpBinding, OltpSession, OltpStore, PeerTool } from "./binding.ts";
import {
  type MixShape,
  type PeerResult,
  processCpu,
  runPgbenchMix,
  runSysbenchMix,
} from "./peers.ts";

/** Experiment id of the calibration rows (also the CSV name). */
export const OLTP_CALIBRATION_TABLE = "oltp_calibration";

/** One calibration point. */
export interface CalibrationPoint {
  isolation: Isolation;
  concurrency: number;
  /** CPU placement of runner and engine (default `shared`; lib/load/placement.ts). */
  placement?: Placement;
  /**
   * Tools that run at this point (default: all the binding offers). A binding runs the point
   * only if it offers every peer named here, so a point that compares with pgbench runs on the
   * engines pgbench drives and no name is needed.
   */
  tools?: readonly CalibrationTool[];
}

/** What the calibration needs from the OLTP configuration. */
export interface CalibrationConfig extends ExperimentParams {
  calibration: {
    points: readonly CalibrationPoint[];
    /** Rounds per point (each round runs the harness and every peer once). */
    rounds: number;
    /** Measured seconds per run (whole seconds: the tools take no fractions). */
    durationS: number;
    /** Harness warm-up seconds before its measured window (JIT, connection pool). */
    warmupS: number;
  };
  checkoutShare: number;
  maxRetries: number;
}

/** A calibration run's tool: the harness (its default client or `harness:<client>`), a peer. */
export type CalibrationTool = "harness" | `harness:${string}` | PeerTool;

/** The tools a round runs, in its order: the harness first on even rounds, last on odd ones. */
export function roundOrder(
  peers: readonly PeerTool[],
  round: number,
  altClients: readonly string[] = [],
): CalibrationTool[] {
  const order: CalibrationTool[] = [
    "harness",
    ...altClients.map((c) => `harness:${c}` as const),
    ...peers,
  ];
  return round % 2 === 0 ? order : order.reverse();
}

/** Points of `config` a binding can run (its isolation levels) when it names peers. */
export function calibrationPoints(
  config: CalibrationConfig,
  binding: OltpBinding,
): CalibrationPoint[] {
  if (!binding.peers?.length) return [];
  const peers: readonly string[] = binding.peers;
  return config.calibration.points.filter((p) =>
    binding.isolation.includes(p.isolation) &&
    (p.tools ?? []).every((t) => t.startsWith("harness") || peers.includes(t))
  );
}

/** Planned steps (one per run) of a binding's calibration. */
export function plannedCalibration(config: CalibrationConfig, binding: OltpBinding): number {
  return calibrationPoints(config, binding).reduce(
    (n, p) => n + toolsAt(binding, p, 0).length,
    0,
  ) * config.calibration.rounds;
}

/** The tools of one round at one point, in the round's order. */
function toolsAt(binding: OltpBinding, point: CalibrationPoint, round: number): CalibrationTool[] {
  const order = roundOrder(
    binding.peers ?? [],
    round,
    (binding.altClients ?? []).map((a) => a.client),
  );
  return point.tools ? order.filter((t) => point.tools!.includes(t)) : order;
}

interface Measured {
  throughput: number;
  latencyMeanMs: number;
  transactions: number;
  cpuS: number;
  elapsedS: number;
  retries: number;
  failures: number;
  /** Checkouts the client saw commit (undefined for a peer: the store's orders count). */
  committed?: number;
  command: string;
}

async function harnessRun(
  open: (isolation: Isolation) => Promise<OltpSession>,
  config: CalibrationConfig,
  catalog: Catalog,
  point: CalibrationPoint,
  seed: number,
  progress: Progress,
  label: string,
): Promise<Measured> {
  const mix = createMix({ checkout: config.checkoutShare, order_status: 1 - config.checkoutShare });
  const sessions = await Promise.all(
    Array.from({ length: point.concurrency }, () => open(point.isolation)),
  );
  const { carts, orders } = catalog.scale;
  let committed = 0;
  let cpuAtMeasure: number | undefined;
  try {
    const result = await runClosedLoop({
      concurrency: point.concurrency,
      durationMs: config.calibration.durationS * 1000,
      warmupMs: config.calibration.warmupS * 1000,
      seed,
      progress: loadTicks(progress),
      label,
      op: async (worker, rng, ctx) => {
        // The first measured operation opens the CPU window.
        if (ctx.measured && cpuAtMeasure === undefined) cpuAtMeasure = processCpu().self;
        const session = sessions[worker];
        const kind = mix.pick(rng);
        ctx.name = kind;
        if (kind === "order_status") {
          await session.orderStatus(rng.int(1, orders));
          return;
        }
        const cart = rng.int(1, carts);
        const outcome = await withRetry(() => session.checkout(cart, 1 + (cart % 1000)), {
          maxRetries: config.maxRetries,
          sink: ctx,
          backoffMs: (n) => Math.min(20, n) * Math.random(),
        });
        if (outcome === "committed") committed++;
      },
    });
    const cpuS = processCpu().self - (cpuAtMeasure ?? processCpu().self);
    const transactions = Object.values(result.byOp).reduce((n, o) => n + o.ops, 0);
    const retries = Object.values(result.byOp).reduce((n, o) => n + o.retries, 0);
    return {
      throughput: result.throughput,
      latencyMeanMs: result.latency.mean,
      transactions,
      cpuS,
      elapsedS: result.elapsedS,
      retries,
      failures: result.errors,
      committed,
      command: `harness closed loop, ${point.concurrency} sessions`,
    };
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}

async function peerRun(
  tool: PeerTool,
  binding: OltpBinding,
  engine: Engine,
  config: CalibrationConfig,
  catalog: Catalog,
  point: CalibrationPoint,
  seed: number,
): Promise<Measured> {
  const shape: MixShape = {
    carts: catalog.scale.carts,
    orders: catalog.scale.orders,
    isolation: point.isolation,
    checkoutShare: config.checkoutShare,
  };
  const run = {
    url: engine.primary.url,
    database: binding.peerDatabase,
    clients: point.concurrency,
    seconds: config.calibration.durationS,
    seed,
    maxTries: config.maxRetries + 1,
  };
  const t0 = performance.now();
  const r: PeerResult = tool === "pgbench"
    ? await runPgbenchMix(shape, run)
    : await runSysbenchMix(shape, run);
  return { ...r, elapsedS: (performance.now() - t0) / 1000 };
}

/** The client library a tool measures through on an engine (a column of the rows). */
function clientOf(tool: CalibrationTool, binding: OltpBinding): string {
  if (tool === "harness") return binding.client ?? "harness";
  if (tool.startsWith("harness:")) return tool.slice("harness:".length);
  return `${binding.peerClient ?? "C client"} (${tool})`;
}

/**
 * Run the calibration of one binding on its started, loaded engine, appending rows to
 * `results`. Returns the number of runs whose stock invariant failed.
 */
export async function calibrate(
  binding: OltpBinding,
  engine: Engine,
  store: OltpStore,
  config: CalibrationConfig,
  catalog: Catalog,
  results: ResultSet,
  progress: Progress,
): Promise<number> {
  let violated = 0;
  const points = calibrationPoints(config, binding);
  for (let round = 0; round < config.calibration.rounds; round++) {
    // Points, like tools, run in alternating order (ABAB, then BABA).
    for (const point of round % 2 === 0 ? points : [...points].reverse()) {
      const placement = await place(point.placement ?? "shared");
      const order = toolsAt(binding, point, round);
      for (let position = 0; position < order.length; position++) {
        const tool = order[position];
        const where = placement === "shared" ? "" : ` ${placement}`;
        const label = `${binding.name} ${point.isolation} c=${point.concurrency}${where} ` +
          `round ${round + 1} ${tool}`;
        progress.step(`calibration ${label}`);
        const seed = config.seed + 7919 * round + point.concurrency;
        await store.reset();
        const alt = binding.altClients?.find((a) => tool === `harness:${a.client}`);
        const m = tool === "harness" || alt
          ? await harnessRun(
            alt ? (iso) => alt.session(engine, iso) : (iso) => store.session(iso),
            config,
            catalog,
            point,
            seed,
            progress,
            label,
          )
          : await peerRun(tool as PeerTool, binding, engine, config, catalog, point, seed);
        const snapshot = await store.snapshot();
        const verdict = checkStock(snapshot, m.committed ?? snapshot.orders.length);
        if (!verdict.valid) violated++;
        const run = results.run(
          runIdentity(OLTP_CALIBRATION_TABLE, config, engine, engine.settings, round, {
            isolation: point.isolation,
            concurrency: point.concurrency,
            tool,
            client: clientOf(tool, binding),
            position,
            placement,
            command: m.command,
          }),
        );
        run.add("throughput", m.throughput, "ops/s")
          .add("latency_mean", m.latencyMeanMs, "ms")
          .add("transactions", m.transactions, "count")
          .add("client_cpu_per_txn", m.transactions ? m.cpuS / m.transactions * 1e6 : 0, "us/txn")
          .add("client_cpu_cores", m.elapsedS > 0 ? m.cpuS / m.elapsedS : 0, "cores")
          .add("retries", m.retries, "count")
          .add("failures", m.failures, "count")
          .add("invariant_valid", verdict.valid ? 1 : 0, "flag");
        run.end(m.elapsedS);
        progress.log(
          `calibration ${label}: ${m.throughput.toFixed(0)} ops/s, client ${
            (m.cpuS / Math.max(1, m.transactions) * 1e6).toFixed(0)
          } µs/txn, ${
            verdict.valid ? "invariant holds" : `INVARIANT VIOLATED: ${verdict.examples.join("; ")}`
          }`,
        );
      }
    }
  }
  await place("shared");
  return violated;
}

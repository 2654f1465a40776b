/**
 * How far the harness limits each figure: for every client the experiments measure an engine
 * through, its measured ratio to the engine's C peer — on the simplest operation
 * (data/harness_overhead.csv: select-only, GET) and on the OLTP checkout mix
 * (data/oltp_calibration.csv) — with the target the ratio should reach and a verdict. A figure
 * measured through a client below its target is bounded by that ratio: the engine would show
 * up to 1/ratio more through the peer on this machine.
 *
 * @module
 */

import type { ResultRow } from "../../results/mod.ts";
import { calibrationRatios } from "../oltp/calibration_summary.ts";
import type { OverheadBinding } from "./binding.ts";
import { OVERHEAD_BINDINGS } from "./bindings.ts";
import { OVERHEAD_TARGET, techniqueRatios } from "./summary.ts";

/** Harness/peer the checkout mix should reach (issue 19): its per-transaction work dilutes the client. */
export const CHECKOUT_TARGET = 0.9;

/** Interval half-width below which a ratio counts as measured precisely enough to decide. */
export const HALF_WIDTH_TARGET = 0.05;

/** One client against one peer at one point. */
export interface ClientLimit {
  engine: string;
  /** The client library the experiments use for this engine. */
  client: string;
  /** `pk_select`, `get` or `checkout`. */
  operation: string;
  clients: number;
  /** The C tool it is compared with. */
  peer: string;
  ratio: number;
  low: number;
  high: number;
  halfWidth: number;
  pairs: number;
  target: number;
  /**
   * `meets`: the interval's low end reaches the target; `below`: its high end does not (the
   * figure is client-bound, by `ratio`); `undecided`: the interval spans the target.
   */
  verdict: "meets" | "below" | "undecided";
}

const verdictOf = (low: number, high: number, target: number): ClientLimit["verdict"] =>
  low >= target ? "meets" : Number.isFinite(high) && high < target ? "below" : "undecided";

const halfWidthOf = (low: number, high: number) =>
  Number.isFinite(low) && Number.isFinite(high) ? (high - low) / 2 : NaN;

/**
 * Every measured limit of the experiments' own clients: the overhead benchmark's baseline
 * technique per engine (the first its binding lists: the client the experiments use), and the
 * OLTP calibration of the binding's client at READ COMMITTED on shared cores.
 */
export function clientLimits(
  overhead: readonly ResultRow[],
  calibration: readonly ResultRow[],
): ClientLimit[] {
  const baseline = new Map<string, OverheadBinding>(OVERHEAD_BINDINGS.map((b) => [b.engine, b]));
  const simple = techniqueRatios(overhead)
    .filter((t) => baseline.get(t.engine)?.techniques[0]?.id === t.technique)
    .map((t): ClientLimit => {
      const b = baseline.get(t.engine)!;
      const peer = String(
        overhead.find((r) => r.engine === t.engine && r.side === "tool")?.technique ?? "C tool",
      );
      const clients = Number(overhead.find((r) => r.engine === t.engine)?.clients ?? NaN);
      return {
        engine: t.engine,
        client: t.technique,
        operation: b.op,
        clients,
        peer,
        ratio: t.ratio,
        low: t.low,
        high: t.high,
        halfWidth: t.halfWidth,
        pairs: t.repetitions,
        target: OVERHEAD_TARGET,
        verdict: verdictOf(t.low, t.high, OVERHEAD_TARGET),
      };
    });
  const clientOf = (engine: string) =>
    String(
      calibration.find((r) => r.engine === engine && r.tool === "harness")?.client ?? "harness",
    );
  const checkout = calibrationRatios(calibration)
    .filter((c) =>
      c.harness === "harness" && c.placement === "shared" && c.isolation === "read committed"
    )
    .map((c): ClientLimit => ({
      engine: c.engine,
      client: clientOf(c.engine),
      operation: "checkout",
      clients: c.concurrency,
      peer: c.peer,
      ratio: c.ratio,
      low: c.low,
      high: c.high,
      halfWidth: halfWidthOf(c.low, c.high),
      pairs: c.n,
      target: CHECKOUT_TARGET,
      verdict: verdictOf(c.low, c.high, CHECKOUT_TARGET),
    }));
  return [...simple, ...checkout];
}

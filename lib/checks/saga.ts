/**
 * The checkout saga's invariants, judged on the final state of every service after a run
 * (Jepsen's bank test in saga form): every saga ended — completed or compensated — within a
 * bound; no stock is still held for an order that did not complete; no captured payment is
 * left without a live order; nobody was charged twice; and for every product stock + sold
 * (+ held) = initial, with nothing held once all sagas ended. A completed saga must have
 * shipped, a compensated one must have cancelled its order. A violation is a result, never a
 * crash.
 *
 * @module
 */

/** One saga as the services and the orchestrator's log left it. */
export interface SagaRecord {
  saga: number;
  /** From the log: `completed`, `compensated`, or `open` (no final step). */
  outcome: "completed" | "compensated" | "open";
  /** First and last log entries (ms on one clock). */
  startMs: number;
  endMs: number;
  /** The orders service's view: `shipped`, `cancelled`, `placed` or `none`. */
  orderStatus: string;
  /** Units the inventory still holds for it. */
  held: number;
  /** Payments the gateway captured for it, and refunds. */
  captures: number;
  refunds: number;
  shipped: boolean;
}

/** One product's final stock. */
export interface StockRecord {
  id: number;
  initial: number;
  stock: number;
  held: number;
  sold: number;
}

/** Kinds of violation, in reporting order. */
export const SAGA_VIOLATIONS = [
  "not_ended",
  "over_bound",
  "stock_held_for_cancelled",
  "capture_without_order",
  "double_charge",
  "completed_inconsistent",
  "compensated_inconsistent",
  "stock_not_conserved",
] as const;

/** One kind of violation. */
export type SagaViolation = typeof SAGA_VIOLATIONS[number];

/** The verdict. */
export interface SagaVerdict {
  valid: boolean;
  sagas: number;
  completed: number;
  compensated: number;
  violations: Record<SagaViolation, number>;
  /** Longest saga (first to last log entry), ms. */
  maxDurationMs: number;
  examples: string[];
}

/** Judge the final state; `boundMs` is the longest a saga may take from start to end. */
export function checkSagas(
  sagas: readonly SagaRecord[],
  products: readonly StockRecord[],
  boundMs: number,
  maxExamples = 5,
): SagaVerdict {
  const violations = Object.fromEntries(SAGA_VIOLATIONS.map((k) => [k, 0])) as Record<
    SagaViolation,
    number
  >;
  const examples: string[] = [];
  const flag = (kind: SagaViolation, text: string) => {
    violations[kind]++;
    if (examples.length < maxExamples) examples.push(`${kind}: ${text}`);
  };
  let maxDurationMs = 0;
  for (const s of sagas) {
    const d = s.endMs - s.startMs;
    maxDurationMs = Math.max(maxDurationMs, d);
    const net = s.captures - s.refunds;
    if (s.outcome === "open") flag("not_ended", `saga ${s.saga} has no final step`);
    else if (d > boundMs) flag("over_bound", `saga ${s.saga} took ${d.toFixed(0)} ms`);
    if (s.held > 0 && s.orderStatus !== "placed") {
      flag("stock_held_for_cancelled", `saga ${s.saga} (${s.orderStatus}) holds ${s.held} units`);
    }
    if (net > 0 && s.orderStatus !== "shipped" && s.orderStatus !== "placed") {
      flag("capture_without_order", `saga ${s.saga}: captured, order ${s.orderStatus}`);
    }
    if (s.captures > 1) flag("double_charge", `saga ${s.saga} captured ${s.captures} times`);
    if (s.outcome === "completed" && !(s.shipped && s.orderStatus === "shipped" && net === 1)) {
      flag(
        "completed_inconsistent",
        `saga ${s.saga} completed: order ${s.orderStatus}, net captures ${net}, shipped ${s.shipped}`,
      );
    }
    if (
      s.outcome === "compensated" && !(s.orderStatus === "cancelled" && net === 0 && s.held === 0)
    ) {
      flag(
        "compensated_inconsistent",
        `saga ${s.saga} compensated: order ${s.orderStatus}, net captures ${net}, held ${s.held}`,
      );
    }
  }
  const allEnded = sagas.every((s) => s.outcome !== "open");
  for (const p of products) {
    if (p.stock + p.sold + p.held !== p.initial || p.stock < 0 || (allEnded && p.held !== 0)) {
      flag(
        "stock_not_conserved",
        `product ${p.id}: stock ${p.stock} + sold ${p.sold} + held ${p.held} vs initial ${p.initial}`,
      );
    }
  }
  return {
    valid: Object.values(violations).every((n) => n === 0),
    sagas: sagas.length,
    completed: sagas.filter((s) => s.outcome === "completed").length,
    compensated: sagas.filter((s) => s.outcome === "compensated").length,
    violations,
    maxDurationMs,
    examples,
  };
}

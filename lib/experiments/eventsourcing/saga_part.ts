/**
 * Part 5: the checkout as an orchestrated saga across services that each own their store —
 * orders (event store), inventory (holds), a payment gateway that declines and times out at
 * configured rates (simulated: its store is real, its latency and failures are drawn), and
 * shipping — with compensations (release the hold, refund, cancel the order) and idempotency
 * keys on every call. Each step is logged before the next; an orchestrator dies at a random
 * step for a share of sagas, and recovery takes over every saga whose log went quiet,
 * resuming forward after a recorded capture and compensating otherwise. The checker then
 * judges every service's final state. Beside it, the single-database checkout in one ACID
 * transaction at the same decline rate.
 *
 * @module
 */

import { runClosedLoop } from "../../load/run.ts";
import { sleep } from "../../engines/runtime/net.ts";
import { checkSagas, SAGA_VIOLATIONS } from "../../checks/saga.ts";
import type { Rng } from "../../workload/rng.ts";
import type { Line } from "./domain.ts";
import type { GatewayAnswer, SagaSession } from "./binding.ts";
import { addRow, type EsRun, loadRun, SAGA, SAGA_HISTORY } from "./context.ts";

/** Progress steps of part 5. */
export function sagaSteps(ctx: Pick<EsRun, "config">) {
  return ctx.config.repetitions * (ctx.config.saga.timeoutRates.length + 1);
}

class Crash extends Error {}
class GatewayTimeout extends Error {}

/** A saga's lines, derived from its id (so recovery knows them without a lookup). */
const linesOf = (saga: number, products: number): Line[] => [
  {
    product: 1 + (saga * 7919) % Math.min(products, 50),
    quantity: 1 + (saga % 2),
    priceCents: 1500,
  },
];

interface Gateway {
  declineRate: number;
  timeoutRate: number;
  gatewayMs: number;
  timeoutMs: number;
}

/** The simulated gateway: latency, a drawn answer, and timeouts that may or may not have captured. */
async function callGateway(s: SagaSession, g: Gateway, rng: Rng, saga: number, amount: number) {
  const answer: GatewayAnswer = rng.chance(g.declineRate) ? "declined" : "captured";
  if (rng.chance(g.timeoutRate)) {
    if (rng.chance(0.5)) await s.capture(`pay-${saga}`, saga, amount, answer); // reached it, reply lost
    await sleep(g.timeoutMs);
    throw new GatewayTimeout();
  }
  await sleep(g.gatewayMs);
  return await s.capture(`pay-${saga}`, saga, amount, answer);
}

/** Undo whatever was done: refund by key, release the hold, cancel the order. All idempotent. */
async function compensate(s: SagaSession, saga: number, lines: Line[], why: string) {
  await s.refund(`pay-${saga}`);
  await s.release(saga);
  await s.order(saga, "cancelled", lines);
  await s.log(saga, "compensated", why);
}

async function finish(s: SagaSession, saga: number, lines: Line[]) {
  await s.commitHold(saga);
  await s.ship(saga);
  await s.order(saga, "shipped", lines);
  await s.log(saga, "completed");
}

/** One saga; `crashAt` (0..4) makes the orchestrator die after that step. */
async function runSaga(
  s: SagaSession,
  g: Gateway,
  rng: Rng,
  saga: number,
  lines: Line[],
  crashAt: number,
): Promise<"completed" | "compensated" | "crashed"> {
  const die = (step: number) => {
    if (step === crashAt) throw new Crash();
  };
  try {
    await s.log(saga, "started");
    await s.order(saga, "placed", lines);
    await s.log(saga, "order_placed");
    die(0);
    if (!(await s.reserve(saga, lines))) {
      await compensate(s, saga, lines, "out_of_stock");
      return "compensated";
    }
    die(1);
    await s.log(saga, "reserved");
    die(2);
    const amount = lines.reduce((t, l) => t + l.quantity * l.priceCents, 0);
    let answer: GatewayAnswer | undefined;
    for (let attempt = 0; attempt < 3 && answer === undefined; attempt++) {
      try {
        answer = await callGateway(s, g, rng, saga, amount);
      } catch (err) {
        if (!(err instanceof GatewayTimeout)) throw err;
      }
    }
    die(3);
    if (answer !== "captured") {
      await compensate(s, saga, lines, answer ?? "gateway_timeout");
      return "compensated";
    }
    await s.log(saga, "paid");
    die(4);
    await finish(s, saga, lines);
    return "completed";
  } catch (err) {
    if (err instanceof Crash) return "crashed";
    throw err;
  }
}

/** Recovery: forward after a logged capture, compensation otherwise. */
async function recover(s: SagaSession, saga: number, step: string, products: number) {
  const lines = linesOf(saga, products);
  if (step === "paid") await finish(s, saga, lines);
  else await compensate(s, saga, lines, `recovered after ${step}`);
}

/** Run part 5. */
export async function sagaPart(ctx: EsRun) {
  const { config: c, progress } = ctx;
  const { engine, admin } = ctx.engines.store!;
  const stores = admin.saga();
  const g0 = c.saga;
  for (let rep = 0; rep < c.repetitions; rep++) {
    for (const timeoutRate of g0.timeoutRates) {
      progress.step(`checkout saga, timeouts ${timeoutRate * 100} %, rep ${rep + 1}`);
      await stores.reset();
      const g: Gateway = { ...g0, timeoutRate };
      const sessions = await Promise.all(
        Array.from({ length: g0.concurrency }, () => stores.session()),
      );
      const recoverer = await stores.session();
      let next = 0;
      let crashed = 0;
      let recovered = 0;
      let stop = false;
      // Recovery: every 100 ms, sagas whose log has been quiet for staleMs are taken over.
      const lastSeen = new Map<number, { step: string; since: number }>();
      const recovery = (async () => {
        while (!stop) {
          await sleep(100);
          const now = performance.now();
          for (const o of await recoverer.open()) {
            const seen = lastSeen.get(o.saga);
            if (!seen || seen.step !== o.step) lastSeen.set(o.saga, { step: o.step, since: now });
            else if (now - seen.since >= g0.staleMs) {
              await recover(recoverer, o.saga, o.step, c.products);
              lastSeen.delete(o.saga);
              recovered++;
            }
          }
        }
      })();
      try {
        const result = await runClosedLoop({
          concurrency: g0.concurrency,
          operations: g0.sagas,
          seed: c.seed + 300 + rep,
          label: "saga",
          op: async (worker, rng) => {
            const saga = ++next;
            const crashAt = rng.chance(g0.crashRate) ? rng.int(0, 4) : -1;
            const out = await runSaga(
              sessions[worker],
              g,
              rng,
              saga,
              linesOf(saga, c.products),
              crashAt,
            );
            if (out === "crashed") crashed++;
            return out;
          },
        });
        // Wait for recovery to end every open saga (bounded).
        const t0 = performance.now();
        while ((await recoverer.open()).length > 0 && performance.now() - t0 < g0.boundMs * 3) {
          await sleep(50);
        }
        stop = true;
        await recovery;
        const state = await stores.state();
        const v = checkSagas(state.sagas, state.products, g0.boundMs);
        for (const e of v.examples) progress.log(e);
        const runId = `timeouts${timeoutRate}/rep${rep}`;
        for (const s of state.sagas) {
          ctx.histories[SAGA_HISTORY].push({ run: runId, kind: "saga", ...s });
        }
        for (const p of state.products) {
          if (p.initial !== p.stock) {
            ctx.histories[SAGA_HISTORY].push({ run: runId, kind: "product", saga: p.id, ...p });
          }
        }
        loadRun(ctx, SAGA, engine, rep, { part: "saga", timeout_rate: timeoutRate, mode: "saga" })
          .addLoad(result)
          .end();
        addRow(
          ctx,
          SAGA,
          engine,
          rep,
          { part: "verdict", timeout_rate: timeoutRate, mode: "saga" },
          [
            ["valid", v.valid ? 1 : 0, "flag"],
            ["sagas", v.sagas, "count"],
            ["completed", v.completed, "count"],
            ["compensated", v.compensated, "count"],
            ["crashed", crashed, "count"],
            ["recovered", recovered, "count"],
            ["max_duration_ms", v.maxDurationMs, "ms"],
            ["bound_ms", g0.boundMs, "ms"],
            ["decline_rate", g0.declineRate, "ratio"],
            ["crash_rate", g0.crashRate, "ratio"],
            ...SAGA_VIOLATIONS.map((k) =>
              [k, v.violations[k], "count"] as [string, number, string]
            ),
          ],
        );
      } finally {
        stop = true;
        await recovery.catch(() => {});
        for (const s of sessions) await s.close();
        await recoverer.close();
      }
    }
    progress.step(`checkout in one ACID transaction, rep ${rep + 1}`);
    await stores.reset();
    const sessions = await Promise.all(
      Array.from({ length: g0.concurrency }, () => stores.session()),
    );
    let next = 0;
    try {
      const result = await runClosedLoop({
        concurrency: g0.concurrency,
        operations: g0.sagas,
        seed: c.seed + 300 + rep,
        label: "acid",
        op: async (worker, rng) => {
          const order = ++next;
          await sleep(g0.gatewayMs); // the same gateway latency, paid before the transaction
          return await sessions[worker].acidCheckout(
            order,
            linesOf(order, c.products),
            rng.chance(g0.declineRate),
          );
        },
      });
      loadRun(ctx, SAGA, engine, rep, { part: "saga", timeout_rate: 0, mode: "acid" }).addLoad(
        result,
      ).end();
    } finally {
      for (const s of sessions) await s.close();
    }
  }
}

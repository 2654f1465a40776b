/**
 * The order lifecycle as a load (engine-free): every client places orders, pays them, ships
 * most and cancels some, and reads orders back, on one {@link OrderSession} per client. The
 * op reports each command's version conflicts as retries, and each append to `onAppend`.
 *
 * @module
 */

import type { OpFn } from "../../load/run.ts";
import type { Rng } from "../../workload/rng.ts";
import { createZipf } from "../../workload/zipf.ts";
import type { Line } from "./domain.ts";
import type { Appended, CommandResult, OrderSession } from "./binding.ts";

/** Order ids handed out across every client of the process (unique per store reset). */
export class OrderIds {
  #next = 0;
  constructor(start = 0) {
    this.#next = start;
  }
  next() {
    return ++this.#next;
  }
}

/** One to three lines over products drawn Zipf 0.99 (the hottest products are ranks 1..). */
export function cartLines(rng: Rng, products: number, zipf = createZipf(products, 0.99)): Line[] {
  const n = rng.int(1, 3);
  const seen = new Set<number>();
  const lines: Line[] = [];
  for (let i = 0; i < n; i++) {
    const p = zipf.sample(rng);
    if (seen.has(p)) continue;
    seen.add(p);
    lines.push({ product: p, quantity: rng.int(1, 2), priceCents: 500 + (p % 50) * 100 });
  }
  return lines;
}

/** What the lifecycle op needs. */
export interface LifecycleOptions {
  sessions: readonly OrderSession[];
  ids: OrderIds;
  products: number;
  readShare: number;
  cancelShare: number;
  /** Called after every append with its positions (commit time = now). */
  onAppend?: (a: Appended) => void;
  /** Optional extra op replacing a placement with this probability (read-your-write probe). */
  probe?: {
    share: number;
    run: (s: OrderSession, order: number, customer: number, lines: Line[]) => Promise<void>;
  };
}

/** The lifecycle as a closed-loop op. */
export function lifecycleOp(o: LifecycleOptions): OpFn {
  const zipf = createZipf(o.products, 0.99);
  const state = o.sessions.map(() => ({
    reserved: [] as number[],
    paid: [] as number[],
    all: [] as number[],
  }));
  return async (worker, rng, ctx) => {
    const s = o.sessions[worker];
    const w = state[worker];
    const done = (r: CommandResult) => {
      for (let i = 0; i < r.conflicts; i++) ctx.retry("serialization_failure");
      if (r.appended) o.onAppend?.(r.appended);
      return r;
    };
    if (w.all.length > 0 && rng.chance(o.readShare)) {
      ctx.name = "read";
      await s.load(rng.pick(w.all.slice(-200)));
      return "read";
    }
    if (w.paid.length > 0 && rng.chance(0.5)) {
      const order = w.paid.shift()!;
      if (rng.chance(o.cancelShare)) {
        ctx.name = "cancel";
        done(await s.cancel(order));
        return "cancel";
      }
      ctx.name = "ship";
      done(await s.ship(order));
      return "ship";
    }
    if (w.reserved.length > 0 && rng.chance(0.5)) {
      const order = w.reserved.shift()!;
      ctx.name = "pay";
      if (done(await s.pay(order)).ok) w.paid.push(order);
      return "pay";
    }
    const order = o.ids.next();
    const customer = 1 + (order % 997);
    const lines = cartLines(rng, o.products, zipf);
    if (o.probe && rng.chance(o.probe.share)) {
      ctx.name = "place_read";
      await o.probe.run(s, order, customer, lines);
      w.reserved.push(order);
      w.all.push(order);
      return "place_read";
    }
    ctx.name = "place";
    if (done(await s.place(order, customer, lines)).ok) {
      w.reserved.push(order);
      w.all.push(order);
    }
    return "place";
  };
}

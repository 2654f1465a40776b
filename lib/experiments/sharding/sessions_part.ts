/**
 * Part 4, sessions and carts on a cluster against one server (table sharding_sessions): a
 * Zipf-skewed mix of session reads and writes, cart updates, a user page reading session,
 * cart and recent views together, and an atomic cart merge — the multi-key operations both
 * with keys sharing a hash tag (one slot) and without (several slots). Per operation p50/p99
 * from the load runner; the engine's own count of cross-slot refusals beside the client's
 * errors.
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import { runClosedLoop } from "../../load/run.ts";
import { createMix } from "../../workload/mix.ts";
import { createZipf } from "../../workload/zipf.ts";
import { loadTicks } from "../experiment.ts";
import { runIdentity } from "../params.ts";
import type { SessionClient, ShardingBinding } from "./binding.ts";
import { SESSIONS, type ShardingRun } from "./context.ts";

/** The operation mix of the session store. */
export const SESSION_MIX = {
  session_get: 0.3,
  session_set: 0.1,
  cart_add: 0.2,
  page_tagged: 0.1,
  page_untagged: 0.1,
  merge_tagged: 0.1,
  merge_untagged: 0.1,
} as const;

/** Steps of the session runs of one binding. */
export function sessionSteps(ctx: Pick<ShardingRun, "config">, binding: ShardingBinding): number {
  return binding.sessions ? ctx.config.repetitions : 0;
}

/** Run the session mix on a started engine. */
export async function sessionsPart(
  ctx: ShardingRun,
  binding: ShardingBinding,
  engine: Engine,
): Promise<void> {
  const { config, progress } = ctx;
  const z = config.sessions;
  const store = await binding.sessions!.store(engine);
  try {
    await store.populate(z.users, z.ttlS);
    const zipf = createZipf(z.users, z.zipf);
    const mix = createMix(SESSION_MIX);
    for (let rep = 0; rep < config.repetitions; rep++) {
      progress.step(`${binding.name} sessions and carts rep ${rep + 1}`);
      const clients: SessionClient[] = await Promise.all(
        Array.from({ length: z.concurrency }, () => store.client()),
      );
      await store.resetCounters();
      let result;
      try {
        result = await runClosedLoop({
          concurrency: z.concurrency,
          durationMs: z.durationS * 1000,
          warmupMs: z.durationS * 200,
          seed: config.seed + rep * 101,
          label: `${binding.name} sessions`,
          progress: loadTicks(progress),
          op: async (worker, rng, opCtx) => {
            const user = zipf.sample(rng);
            const kind = mix.pick(rng);
            opCtx.name = kind;
            const c = clients[worker];
            switch (kind) {
              case "session_get":
                return void await c.getSession(user);
              case "session_set":
                return void await c.setSession(
                  user,
                  `{"user":${user},"t":${rng.nextU32()}}`,
                  z.ttlS,
                );
              case "cart_add":
                return void await c.addToCart(user, rng.int(1, 20_000), 1);
              case "page_tagged":
              case "page_untagged":
                return void await c.userPage(user, kind === "page_tagged");
              default:
                return void await c.mergeCart(user, kind === "merge_tagged");
            }
          },
        });
      } finally {
        await Promise.all(clients.map((c) => c.close()));
      }
      const refusals = await store.crossSlotRefusals();
      const run = ctx.sets[SESSIONS].run(
        runIdentity(SESSIONS, config, engine, { ...engine.settings }, rep, {
          clustered: store.clustered,
          clients: z.concurrency,
        }),
      );
      run.addLoad(result).add("crossslot_refusals", refusals, "count").add(
        "users",
        z.users,
        "count",
      ).end();
      const p = (op: string) => result.byOp[op]?.latency;
      progress.log(
        `${binding.name}: page p50 ${p("page_tagged")?.p50.toFixed(2)} ms tagged, ` +
          `${p("page_untagged")?.p50.toFixed(2)} ms untagged; untagged merges failed ${
            result.byOp.merge_untagged?.errors ?? 0
          } times (${refusals} CROSSSLOT refusals)`,
      );
    }
  } finally {
    await store.close();
  }
}

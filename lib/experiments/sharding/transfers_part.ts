/**
 * A transaction that crosses shards (part 2, rows `part=transfer` of sharding_shards): moving
 * money between two accounts that live on different shards, done two ways —
 *
 * - **two-phase commit**: both legs in a transaction on their shard, `PREPARE TRANSACTION` on
 *   both, then `COMMIT PREPARED` on both (a refused leg rolls both back before preparing);
 * - **saga**: the debit commits on its own, then the credit; a refused credit (a frozen
 *   account) is compensated by refunding the debit.
 *
 * Legs always run in shard order, so two transfers never wait on each other in a cycle (no
 * detector sees a deadlock spanning two servers). While clients transfer, an auditor keeps
 * summing every shard; afterwards lib/checks/transfers.ts judges the final balances, the
 * outcomes the clients saw and the audits.
 *
 * @module
 */

import { checkTransfers, type TransferOutcome } from "../../checks/transfers.ts";
import type { Engine } from "../../engines/mod.ts";
import { runClosedLoop } from "../../load/run.ts";
import { hashint4Unsigned } from "../../sharding/pghash.ts";
import { forkRng } from "../../workload/rng.ts";
import { loadTicks } from "../experiment.ts";
import { runIdentity } from "../params.ts";
import type { ShardAdmin, ShardingBinding, TwoPhaseSession } from "./binding.ts";
import { type ShardingRun, SHARDS } from "./context.ts";

/** The two ways of committing across shards. */
export const TRANSFER_MODES = ["two_phase_commit", "saga"] as const;

/** A transfer mode. */
export type TransferMode = typeof TRANSFER_MODES[number];

const OPENING = 10_000;

/** Steps of the transfer runs (none when there is only one shard). */
export function transferRuns(ctx: Pick<ShardingRun, "config">): number {
  return Math.max(...ctx.config.shards.counts) < 2
    ? 0
    : ctx.config.repetitions * TRANSFER_MODES.length;
}

interface Leg {
  shard: number;
  account: number;
  kind: "debit" | "credit";
}

/** One transfer, two-phase: returns its outcome and the statements it sent. */
async function twoPhase(
  s: TwoPhaseSession[],
  legs: Leg[],
  amount: number,
  gid: string,
): Promise<[TransferOutcome["outcome"], number]> {
  let statements = 0;
  const prepared: number[] = [];
  const open: number[] = [];
  try {
    let ok = true;
    for (const l of legs) {
      await s[l.shard].begin();
      open.push(l.shard);
      ok = (l.kind === "debit"
        ? await s[l.shard].debit(l.account, amount)
        : await s[l.shard].credit(l.account, amount)) && ok;
      statements += 2;
      if (!ok) {
        break;
      }
    }
    if (!ok) {
      for (const i of open) await s[i].rollback();
      return ["rejected", statements + open.length];
    }
    for (const l of legs) {
      await s[l.shard].prepare(`${gid}-${l.shard}`);
      open.splice(open.indexOf(l.shard), 1);
      prepared.push(l.shard);
      statements++;
    }
    for (const l of legs) {
      await s[l.shard].commitPrepared(`${gid}-${l.shard}`);
      prepared.splice(prepared.indexOf(l.shard), 1);
      statements++;
    }
    return ["committed", statements];
  } catch (err) {
    // Whatever was opened or prepared is undone; a prepared leg must not stay in doubt.
    for (const i of open) await s[i].rollback().catch(() => {});
    for (const i of prepared) await s[i].rollbackPrepared(`${gid}-${i}`).catch(() => {});
    throw err;
  }
}

/** One transfer as a saga: debit, credit, or debit then refund. */
async function saga(
  s: TwoPhaseSession[],
  from: Leg,
  to: Leg,
  amount: number,
): Promise<[TransferOutcome["outcome"], number]> {
  if (!(await s[from.shard].debit(from.account, amount))) return ["rejected", 1];
  if (await s[to.shard].credit(to.account, amount)) return ["committed", 2];
  await s[from.shard].refund(from.account, amount);
  return ["compensated", 3];
}

/** Run both modes on the largest shard count. */
export async function transfersPart(
  ctx: ShardingRun,
  binding: ShardingBinding,
  engines: Engine[],
  admins: ShardAdmin[],
) {
  if (transferRuns(ctx) === 0) return;
  const { config, progress } = ctx;
  const s = config.shards;
  const n = Math.max(...s.counts);
  const used = admins.slice(0, n);
  const shardOf = (id: number) => hashint4Unsigned(id) % n;
  const frozenRng = forkRng(config.seed, "frozen");
  const accounts = Array.from(
    { length: s.accounts },
    (_, i) => ({ id: i + 1, balance: OPENING, frozen: frozenRng.chance(s.frozenShare) }),
  );
  const byShard = Array.from(
    { length: n },
    (_, j) => accounts.filter((a) => shardOf(a.id) === j).map((a) => a.id),
  );
  for (let rep = 0; rep < config.repetitions; rep++) {
    for (const mode of TRANSFER_MODES) {
      progress.step(
        `${binding.name} cross-shard transfers by ${mode} on ${n} shards rep ${rep + 1}`,
      );
      await Promise.all(used.map(async (a, j) => {
        await a.reset();
        await a.loadAccounts(accounts.filter((x) => shardOf(x.id) === j));
      }));
      const sessions = await Promise.all(
        Array.from({ length: s.concurrency }, () => Promise.all(used.map((a) => a.twoPhase()))),
      );
      const auditor = await Promise.all(used.map((a) => a.twoPhase()));
      const outcomes: TransferOutcome[] = [];
      const audits: number[] = [];
      let statements = 0;
      let running = true;
      const audit = (async () => {
        while (running) {
          audits.push(
            (await Promise.all(auditor.map((x) => x.total()))).reduce((a, b) => a + b, 0),
          );
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      let seq = 0;
      const result = await runClosedLoop({
        concurrency: s.concurrency,
        durationMs: s.transferS * 1000,
        seed: config.seed + rep * 31 + (mode === "saga" ? 1 : 0),
        label: `${mode} transfers`,
        progress: loadTicks(progress),
        opName: mode,
        op: async (worker, rng) => {
          const fromShard = rng.int(0, n - 1);
          const toShard = (fromShard + rng.int(1, n - 1)) % n;
          const from: Leg = {
            shard: fromShard,
            account: rng.pick(byShard[fromShard]),
            kind: "debit",
          };
          const to: Leg = { shard: toShard, account: rng.pick(byShard[toShard]), kind: "credit" };
          const amount = rng.int(1, 100);
          const [outcome, sent] = mode === "saga"
            ? await saga(sessions[worker], from, to, amount)
            : await twoPhase(
              sessions[worker],
              [from, to].sort((a, b) => a.shard - b.shard),
              amount,
              `t${rep}w${worker}n${seq++}`,
            );
          statements += sent;
          outcomes.push({ from: from.account, to: to.account, amount, outcome });
        },
      });
      running = false;
      await audit;
      await Promise.all([...sessions.flat(), ...auditor].map((x) => x.close()));
      const balances = new Map<number, number>();
      for (const a of used) for (const [id, b] of await a.balances()) balances.set(id, b);
      const preparedLeft = (await Promise.all(used.map((a) => a.prepared()))).reduce(
        (a, b) => a + b,
        0,
      );
      const verdict = checkTransfers({
        accounts: accounts.map((a) => ({
          id: a.id,
          opening: OPENING,
          balance: balances.get(a.id) ?? NaN,
        })),
        transfers: outcomes,
        preparedLeft,
        audits,
      });
      const run = ctx.sets[SHARDS].run(
        runIdentity(
          SHARDS,
          config,
          engines[0],
          { ...engines[0].settings, shards: String(n) },
          rep,
          {
            part: "transfer",
            mode,
            shards: n,
            clients: s.concurrency,
          },
        ),
      );
      run.addLoad(result)
        .add("committed", verdict.committed, "count")
        .add("rejected", verdict.rejected, "count")
        .add("compensated", verdict.compensated, "count")
        .add("statements_per_transfer", outcomes.length ? statements / outcomes.length : 0, "count")
        .add("audits", verdict.audits, "count")
        .add("audits_inconsistent", verdict.auditsInconsistent, "count")
        .add(
          "audit_inconsistent_share",
          verdict.audits ? verdict.auditsInconsistent / verdict.audits : 0,
          "ratio",
        )
        .add("prepared_left", preparedLeft, "count")
        .add("invariant_valid", verdict.valid ? 1 : 0, "flag");
      for (const [kind, count] of Object.entries(verdict.violations)) {
        if (count > 0) run.add(`violation_${kind}`, count, "count");
      }
      run.end();
      progress.log(
        `${binding.name} ${mode}: ${result.throughput.toFixed(0)} transfers/s, p50 ${
          result.latency.p50.toFixed(2)
        } ms, ` +
          `${verdict.auditsInconsistent}/${verdict.audits} audits saw money in flight, ` +
          (verdict.valid ? "balances check out" : `VIOLATION: ${verdict.examples.join("; ")}`),
      );
    }
  }
}

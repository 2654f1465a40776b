/**
 * Money moved between accounts on different shards (the bank test, Jepsen's habit), judged on
 * the final state and on what auditors saw during the run. Final state: the total is
 * conserved, no balance is negative, every account holds exactly its opening balance plus
 * the transfers clients saw commit (so no transfer is lost, applied twice or half-applied —
 * a saga whose compensation failed shows up here), and no prepared transaction is left in
 * doubt on any shard. Audits: each auditor summed every shard while transfers ran; a total
 * other than the opening one is a transfer seen half-done (the cross-shard atomicity
 * readers do not get), counted, not a violation of the final state.
 *
 * @module
 */

/** A transfer as the client saw it end. */
export interface TransferOutcome {
  from: number;
  to: number;
  amount: number;
  /** committed: applied on both shards; rejected: applied nowhere; compensated: undone. */
  outcome: "committed" | "rejected" | "compensated";
}

/** The final state of the accounts and what the clients and auditors saw. */
export interface TransferSnapshot {
  /** Every account: id, opening and final balance. */
  accounts: { id: number; opening: number; balance: number }[];
  transfers: readonly TransferOutcome[];
  /** Prepared transactions still listed in `pg_prepared_xacts` on any shard. */
  preparedLeft: number;
  /** Totals auditors summed across all shards during the run. */
  audits: readonly number[];
}

/** Kinds of violation. */
export type TransferViolation =
  | "total_not_conserved"
  | "negative_balance"
  | "balance_differs_from_transfers"
  | "prepared_left_in_doubt";

/** The verdict. */
export interface TransferVerdict {
  valid: boolean;
  violations: Record<TransferViolation, number>;
  examples: string[];
  committed: number;
  rejected: number;
  compensated: number;
  /** Audits that saw a total other than the opening total. */
  auditsInconsistent: number;
  audits: number;
}

/** Judge a snapshot. */
export function checkTransfers(s: TransferSnapshot, maxExamples = 5): TransferVerdict {
  const violations: Record<TransferViolation, number> = {
    total_not_conserved: 0,
    negative_balance: 0,
    balance_differs_from_transfers: 0,
    prepared_left_in_doubt: 0,
  };
  const examples: string[] = [];
  const report = (kind: TransferViolation, text: string) => {
    violations[kind]++;
    if (examples.length < maxExamples) examples.push(`${kind}: ${text}`);
  };
  const opening = s.accounts.reduce((n, a) => n + a.opening, 0);
  const final = s.accounts.reduce((n, a) => n + a.balance, 0);
  if (final !== opening) report("total_not_conserved", `total ${final}, opened with ${opening}`);
  const expected = new Map(s.accounts.map((a) => [a.id, a.opening]));
  const counts = { committed: 0, rejected: 0, compensated: 0 };
  for (const t of s.transfers) {
    counts[t.outcome]++;
    if (t.outcome !== "committed") continue;
    expected.set(t.from, (expected.get(t.from) ?? 0) - t.amount);
    expected.set(t.to, (expected.get(t.to) ?? 0) + t.amount);
  }
  for (const a of s.accounts) {
    if (a.balance < 0) report("negative_balance", `account ${a.id}: ${a.balance}`);
    const want = expected.get(a.id)!;
    if (a.balance !== want) {
      report(
        "balance_differs_from_transfers",
        `account ${a.id}: ${a.balance}, transfers say ${want}`,
      );
    }
  }
  if (s.preparedLeft > 0) {
    report("prepared_left_in_doubt", `${s.preparedLeft} prepared transaction(s) never resolved`);
  }
  return {
    valid: Object.values(violations).every((n) => n === 0),
    violations,
    examples,
    ...counts,
    auditsInconsistent: s.audits.filter((t) => t !== opening).length,
    audits: s.audits.length,
  };
}

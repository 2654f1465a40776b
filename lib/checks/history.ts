/**
 * Read-consistency checks on a recorded history (Jepsen's habit: operations are plain data
 * with invoke and complete times; the checker judges the history afterwards and never touches
 * a database). The model is a register per key whose versions only grow: every write puts a
 * version larger than any the writer knew of, and a read returns the highest version it sees
 * (or null for none). Each read is judged against five predicates, each with readable
 * examples; a read may show several:
 *
 * - `stale_read`: it returned a version older than one whose write had been acknowledged (to
 *   anybody) before it was invoked — the real-time order says it should have seen it (what a
 *   replica lagging behind the primary produces). Writes still in flight never count;
 * - `read_your_writes`: it missed a write its own session made earlier;
 * - `monotonic_read`: its session had already read a newer version of the key (reads spread
 *   over replicas);
 * - `non_linearizable_read`: it returned a version older than another read of the key (any
 *   session's) that had completed before it was invoked. A stale read compares a read with
 *   writes only, so it misses this case when the newer write has not been acknowledged yet:
 *   one replica already serves it, another not, and clients see the value go back in time;
 * - `phantom_read`: it returned a version no write had even been invoked for by the time it
 *   completed (a harness bug or a corrupt store, never expected).
 *
 * The two session guarantees follow session order, not real time: one session runs one
 * operation at a time, so its operations are ordered by when they were invoked (ties, which a
 * coarse clock makes common, by completion and then by position in the history). A read
 * invoked the instant its session's write completed must see that write, although in real
 * time the two are concurrent. That is why a read-your-writes violation is usually, but not
 * always, also a stale read: the stale-read and non-linearizable checks stay in real time
 * (strictly: one operation completed before the other was invoked), where equal timestamps
 * prove no order.
 *
 * What this is not: a linearizability checker like Knossos or Porcupine, which search for one
 * total order of all operations that respects real time and the register's semantics. These
 * checks compare each read with one other operation at a time, so a violation that only
 * shows through a chain of several operations passes; writes are never judged against each
 * other; and the versions-only-grow model is assumed, not checked. A valid verdict means no
 * read showed any of the five anomalies, not that the history is linearizable.
 *
 * @module
 */

/** One completed (or failed) operation of a history. Times are ms on one clock. */
export interface HistoryOp {
  /**
   * The session (client) that ran it. One session's operations never overlap: they are
   * ordered by `invokeMs`, then `completeMs`, then history position (a harness whose client
   * has several operations in flight must give each its own session).
   */
  session: string | number;
  /** `write` puts `value`; `read` observed `value`. */
  type: "write" | "read";
  /** The register (key) operated on. */
  key: string | number;
  /** Version written, or version read (null: the read found nothing). */
  value: number | null;
  /** When the client invoked the operation. */
  invokeMs: number;
  /** When the client saw it complete. */
  completeMs: number;
  /** False if the operation failed or timed out (its effect is unknown); default true. */
  ok?: boolean;
  /** The node that served it (e.g. `replica2`), for examples. */
  node?: string;
  /** A label to break read verdicts down by (e.g. the delay before the read). */
  group?: string;
}

/** Kinds of anomaly the checker reports (see the module comment for each one's meaning). */
export type ReadAnomaly =
  | "stale_read"
  | "read_your_writes"
  | "monotonic_read"
  | "non_linearizable_read"
  | "phantom_read";

/** The anomaly kinds, in reporting order. */
export const READ_ANOMALIES: readonly ReadAnomaly[] = [
  "stale_read",
  "read_your_writes",
  "monotonic_read",
  "non_linearizable_read",
  "phantom_read",
];

/** A count of zero per anomaly kind. */
function noAnomalies(): Record<ReadAnomaly, number> {
  return Object.fromEntries(READ_ANOMALIES.map((k) => [k, 0])) as Record<ReadAnomaly, number>;
}

/** The verdict on a history: counts per anomaly, rates over reads, and examples. */
export interface HistoryVerdict {
  /** True when no anomaly of any kind was found. */
  valid: boolean;
  /** Successful reads judged. */
  reads: number;
  /** Successful writes. */
  writes: number;
  /** Reads showing each anomaly (a read may show several). */
  anomalies: Record<ReadAnomaly, number>;
  /** anomalies / reads (0 when there are no reads). */
  rates: Record<ReadAnomaly, number>;
  /**
   * For stale reads: how far behind, in distinct versions acknowledged before the read and
   * newer than the one it returned (mean).
   */
  meanVersionsBehind: number;
  /** Up to `maxExamples` readable examples, in history order. */
  examples: string[];
  /** Reads and anomalies per {@link HistoryOp.group} of the reads that have one. */
  byGroup: Record<string, { reads: number; anomalies: Record<ReadAnomaly, number> }>;
}

/** Completed writes (or reads) of one key, sorted by completion, with a running maximum. */
interface Ladder {
  completeMs: number[];
  maxValue: number[];
  /** Values in completion order (to find which acknowledged versions a read missed). */
  values: number[];
}

function ladder(ops: HistoryOp[]): Ladder {
  const sorted = ops.filter((o) => o.value !== null).sort((a, b) => a.completeMs - b.completeMs);
  const completeMs: number[] = [];
  const maxValue: number[] = [];
  const values: number[] = [];
  let max = -Infinity;
  for (const o of sorted) {
    max = Math.max(max, o.value!);
    completeMs.push(o.completeMs);
    maxValue.push(max);
    values.push(o.value!);
  }
  return { completeMs, maxValue, values };
}

/** Index of the last entry completed strictly before `t`, or -1. */
function lastBefore(l: Ladder, t: number): number {
  let lo = 0, hi = l.completeMs.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (l.completeMs[mid] < t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Highest value completed strictly before `t`, or undefined. */
function maxBefore(l: Ladder | undefined, t: number): number | undefined {
  if (!l) return undefined;
  const i = lastBefore(l, t);
  return i < 0 ? undefined : l.maxValue[i];
}

function groupBy(ops: HistoryOp[], key: (o: HistoryOp) => string): Map<string, HistoryOp[]> {
  const out = new Map<string, HistoryOp[]>();
  for (const o of ops) {
    const k = key(o);
    const list = out.get(k);
    if (list) list.push(o);
    else out.set(k, [o]);
  }
  return out;
}

/** What a read's session had done to its key before it: highest version written and read. */
interface SessionPast {
  written: number | undefined;
  read: number | undefined;
}

/**
 * For every read, its session's past on its key, in session order (see the module comment):
 * invoke time, then completion, then history position, never `completeMs < invokeMs`, which
 * would let equal timestamps hide a violation.
 */
function sessionPast(ops: readonly HistoryOp[]): Map<HistoryOp, SessionPast> {
  const out = new Map<HistoryOp, SessionPast>();
  const position = new Map(ops.map((o, i) => [o, i]));
  for (const session of groupBy([...ops], (o) => String(o.session)).values()) {
    session.sort((a, b) =>
      a.invokeMs - b.invokeMs || a.completeMs - b.completeMs || position.get(a)! - position.get(b)!
    );
    const written = new Map<string, number>();
    const read = new Map<string, number>();
    for (const o of session) {
      const k = String(o.key);
      if (o.type === "read") out.set(o, { written: written.get(k), read: read.get(k) });
      if (o.value === null) continue;
      const seen = o.type === "write" ? written : read;
      seen.set(k, Math.max(seen.get(k) ?? -Infinity, o.value));
    }
  }
  return out;
}

const fmt = (ms: number) => ms.toFixed(2);

function describe(o: HistoryOp): string {
  const at = o.node ? ` on ${o.node}` : "";
  return `session ${o.session} read key ${o.key}${at} = ${o.value ?? "nothing"} ` +
    `[${fmt(o.invokeMs)}–${fmt(o.completeMs)} ms]`;
}

/**
 * Judges a history. Failed operations (`ok: false`) are ignored for reads; a failed write
 * may or may not have happened, so it is never required to be seen but its value is allowed
 * (not a phantom). O(n log n), plus the missed versions counted per stale read.
 */
export function checkHistory(history: readonly HistoryOp[], maxExamples = 5): HistoryVerdict {
  const ok = history.filter((o) => o.ok !== false);
  const writes = ok.filter((o) => o.type === "write");
  const reads = ok.filter((o) => o.type === "read");
  const writesByKey = new Map<string, Ladder>();
  for (const [k, ops] of groupBy(writes, (o) => String(o.key))) writesByKey.set(k, ladder(ops));
  const readsByKey = new Map<string, Ladder>();
  for (const [k, ops] of groupBy(reads, (o) => String(o.key))) readsByKey.set(k, ladder(ops));
  const before = sessionPast(ok);
  // Every value any write (even a failed one) tried to put, with its earliest invoke time.
  const firstInvoke = new Map<string, number>();
  for (const w of history) {
    if (w.type !== "write" || w.value === null) continue;
    const k = `${w.key}\u0000${w.value}`;
    firstInvoke.set(k, Math.min(firstInvoke.get(k) ?? Infinity, w.invokeMs));
  }

  const anomalies = noAnomalies();
  const examples: string[] = [];
  const byGroup: HistoryVerdict["byGroup"] = {};
  let group: HistoryVerdict["byGroup"][string] | undefined;
  const report = (kind: ReadAnomaly, text: string) => {
    anomalies[kind]++;
    if (group) group.anomalies[kind]++;
    if (examples.length < maxExamples) examples.push(`${kind}: ${text}`);
  };
  let behindSum = 0;
  const seen = reads.slice().sort((a, b) => a.invokeMs - b.invokeMs);
  for (const r of seen) {
    group = undefined;
    if (r.group !== undefined) {
      group = byGroup[r.group] ??= { reads: 0, anomalies: noAnomalies() };
      group.reads++;
    }
    const got = r.value ?? -Infinity;
    const all = writesByKey.get(String(r.key));
    if (r.value !== null) {
      const born = firstInvoke.get(`${r.key}\u0000${r.value}`);
      if (born === undefined || born > r.completeMs) {
        report("phantom_read", `${describe(r)}, a version no write had put by then`);
      }
    }
    const acked = maxBefore(all, r.invokeMs);
    if (acked !== undefined && got < acked) {
      // Distinct versions acknowledged before the read and newer than what it returned: a
      // version written twice (a retry, two sessions) was still only one version missed.
      const n = lastBefore(all!, r.invokeMs);
      const missed = new Set<number>();
      for (let i = 0; i <= n; i++) if (all!.values[i] > got) missed.add(all!.values[i]);
      const behind = missed.size;
      behindSum += behind;
      report(
        "stale_read",
        `${describe(r)}, but version ${acked} was acknowledged before the read began ` +
          `(${behind} acknowledged version${behind === 1 ? "" : "s"} missed)`,
      );
    }
    const { written: mine, read: readBefore } = before.get(r)!;
    if (mine !== undefined && got < mine) {
      report("read_your_writes", `${describe(r)} after writing version ${mine} itself`);
    }
    if (readBefore !== undefined && got < readBefore) {
      report("monotonic_read", `${describe(r)} after having read version ${readBefore}`);
    }
    const readEarlier = maxBefore(readsByKey.get(String(r.key)), r.invokeMs);
    if (readEarlier !== undefined && got < readEarlier) {
      report(
        "non_linearizable_read",
        `${describe(r)}, but version ${readEarlier} had been read before the read began`,
      );
    }
  }
  const rate = (n: number) => (reads.length > 0 ? n / reads.length : 0);
  return {
    valid: READ_ANOMALIES.every((k) => anomalies[k] === 0),
    reads: reads.length,
    writes: writes.length,
    anomalies,
    rates: Object.fromEntries(READ_ANOMALIES.map((k) => [k, rate(anomalies[k])])) as Record<
      ReadAnomaly,
      number
    >,
    meanVersionsBehind: anomalies.stale_read > 0 ? behindSum / anomalies.stale_read : 0,
    examples,
    byGroup,
  };
}

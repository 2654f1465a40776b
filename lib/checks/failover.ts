/**
 * Verdicts on a failover history (Jepsen's habit: the clients record every operation with its
 * invoke and complete times and its outcome, the faults are recorded in the same history, and
 * these checkers judge it afterwards without touching a database).
 *
 * A history holds four kinds of operation (`f`):
 * - `write`: insert of a unique id (`key`) through the node `node`; `ok` means the client got
 *   the acknowledgement, `fail` a definite refusal (the server said no: read-only, refused
 *   connection), `info` an unknown outcome (a timeout, a connection lost mid-commit);
 * - `incr`: a read-modify-write of counter `key` in one transaction; `value` is the value it
 *   read (it wrote value + 1);
 * - `fault`: the nemesis — `value` says what (`kill n1`, `partition n1`, `heal n1`), at
 *   `invokeMs`;
 * - `final_read`: after the faults healed, the ids present on the surviving primary
 *   (`value`: ranges such as `1-40 42 44-90`), or, for counters, the final value of `key`.
 *
 * Checks:
 * - {@link lostWrites}: acknowledged writes absent from the final read (lost: the RPO a client
 *   sees), and ids present that no write ever invoked (never expected);
 * - {@link twoPrimaries}: two nodes accepting writes at the same time — one node acknowledged
 *   a write that it received after another node had already acknowledged one, having itself
 *   acknowledged before that other node did (each node's acknowledgements span an interval;
 *   handing over leaves the intervals disjoint);
 * - {@link unavailability}: from each fault to the first acknowledged write after it (the
 *   write unavailability, or RTO, a client sees), and the longest gap between acknowledgements;
 * - a history in which several nodes acknowledged writes before the first fault is a
 *   multi-primary store's ({@link isMultiPrimary}: every node takes writes by design). There the
 *   two checks above judge the sides of the fault instead of single nodes, and only writes
 *   invoked after the fault took effect (the nemesis op's completion): two primaries means both
 *   sides acknowledged such writes at once before the heal (split brain), the unavailability
 *   ends with the first such write another node acknowledged, isolated acknowledgements are the
 *   hit node's before the heal (after it, the rejoined node takes writes again by design);
 * - {@link divergence}: when the final read was made on several nodes (a multi-primary store),
 *   the ids present on some of them and missing on others;
 * - {@link lostUpdates}: P4 on the counters — two committed increments that read the same
 *   value (one overwrote the other), and a final value below the committed increments.
 *
 * @module
 */

/** One operation of a failover history. Times are ms since the scenario began. */
export interface FailoverOp {
  /** The client session. */
  session: string;
  /** The node the client sent it to (for faults: the node hit). */
  node: string;
  f: "write" | "incr" | "fault" | "final_read";
  /** Id written, or counter key (0 for faults and id final reads). */
  key: number;
  /** See the module comment: id, value read, fault text, or id ranges. */
  value: string | number;
  invokeMs: number;
  completeMs: number;
  outcome: "ok" | "fail" | "info";
}

/** Ids as compact ranges (`1-40 42 44-90`), sorted. */
export function encodeIds(ids: Iterable<number>): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(" ");
}

/** The inverse of {@link encodeIds}. */
export function decodeIds(text: string): Set<number> {
  const out = new Set<number>();
  for (const part of String(text).split(/\s+/).filter(Boolean)) {
    const [a, b] = part.split("-").map(Number);
    if (!Number.isInteger(a) || (b !== undefined && !Number.isInteger(b))) {
      throw new Error(`bad id range "${part}"`);
    }
    for (let x = a; x <= (b ?? a); x++) out.add(x);
  }
  return out;
}

/** Verdict of {@link lostWrites}. */
export interface LostWrites {
  /** Acknowledged writes. */
  acked: number;
  /** Acknowledged writes missing from the final read. */
  lost: number;
  /** Writes of unknown outcome that did persist. */
  unknownPersisted: number;
  /** Writes of unknown outcome. */
  unknown: number;
  /** Ids present that no write invoked. */
  phantom: number;
  /** The lost ids with the node that acknowledged them and when (up to 5). */
  examples: string[];
  /** Lost writes per node that acknowledged them. */
  lostByNode: Record<string, number>;
}

/** Acknowledged writes missing from the history's final read (throws when it has none). */
export function lostWrites(ops: readonly FailoverOp[]): LostWrites {
  const final = ops.find((o) => o.f === "final_read" && o.key === 0);
  if (!final) throw new Error("lostWrites: the history has no final read of the ids");
  const present = decodeIds(String(final.value));
  const writes = ops.filter((o) => o.f === "write");
  const invoked = new Set(writes.map((o) => o.key));
  const out: LostWrites = {
    acked: 0,
    lost: 0,
    unknownPersisted: 0,
    unknown: 0,
    phantom: 0,
    examples: [],
    lostByNode: {},
  };
  for (const w of writes) {
    if (w.outcome === "ok") {
      out.acked++;
      if (!present.has(w.key)) {
        out.lost++;
        out.lostByNode[w.node] = (out.lostByNode[w.node] ?? 0) + 1;
        if (out.examples.length < 5) {
          out.examples.push(`id ${w.key} acked by ${w.node} at ${w.completeMs.toFixed(0)} ms`);
        }
      }
    } else if (w.outcome === "info") {
      out.unknown++;
      if (present.has(w.key)) out.unknownPersisted++;
    }
  }
  for (const id of present) if (!invoked.has(id)) out.phantom++;
  return out;
}

/** The first kill or partition of the history (undefined: none). */
function firstFault(ops: readonly FailoverOp[]): FailoverOp | undefined {
  return ops.filter((o) => o.f === "fault" && /^(kill|partition)\b/.test(String(o.value)))
    .sort((a, b) => a.invokeMs - b.invokeMs)[0];
}

/** When the fault's heal was invoked (Infinity: never healed, or not a partition). */
function healAt(ops: readonly FailoverOp[], fault: FailoverOp): number {
  const heal =
    ops.filter((o) =>
      o.f === "fault" && String(o.value) === `heal ${fault.node}` && o.invokeMs > fault.invokeMs
    ).sort((a, b) => a.invokeMs - b.invokeMs)[0];
  return heal?.invokeMs ?? Infinity;
}

/**
 * True when more than one node acknowledged writes before the first fault: a multi-primary
 * store (a single-primary store's replicas refuse writes). Judged from the history alone, so
 * the re-check of a saved history agrees.
 */
export function isMultiPrimary(ops: readonly FailoverOp[]): boolean {
  const until = firstFault(ops)?.invokeMs ?? Infinity;
  const nodes = new Set(
    ops.filter((o) => o.f === "write" && o.outcome === "ok" && o.completeMs < until)
      .map((o) => o.node),
  );
  return nodes.size > 1;
}

/**
 * Ids present on some nodes' final reads and missing on others (after the heal every node of a
 * multi-primary store should hold the same ids); undefined when only one node was read.
 */
export function divergence(ops: readonly FailoverOp[]): number | undefined {
  const reads = ops.filter((o) => o.f === "final_read" && o.key === 0)
    .map((o) => decodeIds(String(o.value)));
  if (reads.length < 2) return undefined;
  const all = new Set(reads.flatMap((r) => [...r]));
  return [...all].filter((id) => reads.some((r) => !r.has(id))).length;
}

/** Verdict of {@link twoPrimaries}. */
export interface TwoPrimaries {
  /** True when two nodes accepted writes at the same time. */
  found: boolean;
  /** The longest such overlap (ms; 0 when none). */
  overlapMs: number;
  /** Nodes that acknowledged writes, in order of their first acknowledgement. */
  nodes: string[];
  examples: string[];
}

/**
 * Two nodes accepting writes at once: node A acknowledged first, node B later, and A still
 * acknowledged a write invoked after B's first acknowledgement completed.
 */
export function twoPrimaries(ops: readonly FailoverOp[]): TwoPrimaries {
  let acked = ops.filter((o) => (o.f === "write" || o.f === "incr") && o.outcome === "ok");
  // Multi-primary: the hit node against the rest, on writes sent once the fault took effect.
  const fault = isMultiPrimary(ops) ? firstFault(ops) : undefined;
  const side = (o: FailoverOp) => !fault || o.node === fault.node ? o.node : `not ${fault.node}`;
  if (fault) {
    const healed = healAt(ops, fault);
    acked = acked.filter((o) => o.invokeMs > fault.completeMs && o.invokeMs < healed);
  }
  const byNode = new Map<string, FailoverOp[]>();
  for (const o of acked) byNode.set(side(o), [...(byNode.get(side(o)) ?? []), o]);
  const spans = [...byNode.entries()].map(([node, list]) => ({
    node,
    firstComplete: Math.min(...list.map((o) => o.completeMs)),
    list,
  })).sort((a, b) => a.firstComplete - b.firstComplete);
  const out: TwoPrimaries = {
    found: false,
    overlapMs: 0,
    nodes: spans.map((s) => s.node),
    examples: [],
  };
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      const a = spans[i], b = spans[j];
      const late = a.list.filter((o) => o.invokeMs > b.firstComplete);
      if (late.length === 0) continue;
      out.found = true;
      const lastA = Math.max(...late.map((o) => o.completeMs));
      out.overlapMs = Math.max(out.overlapMs, lastA - b.firstComplete);
      if (out.examples.length < 5) {
        out.examples.push(
          `${a.node} acked ${late.length} write(s) invoked after ${b.node}'s first ack at ` +
            `${b.firstComplete.toFixed(0)} ms, the last at ${lastA.toFixed(0)} ms`,
        );
      }
    }
  }
  return out;
}

/** One fault's client-visible write unavailability. */
export interface FaultWindow {
  /** The fault's text (`kill n1`, `partition n1`). */
  fault: string;
  atMs: number;
  /**
   * From the fault to the first write acknowledged after it by a node other than the one hit
   * (ms); undefined when none came.
   */
  unavailableMs?: number;
  /** The node that took over (the first to acknowledge after the fault, other than the hit). */
  nextPrimary?: string;
  /**
   * For a partition: how long the node hit kept acknowledging writes after the fault (ms; 0
   * when it acknowledged none).
   */
  isolatedAckMs: number;
  /** Writes the node hit acknowledged after the fault. */
  isolatedAcks: number;
  /**
   * For a partition: from the fault to the first refusal (`fail`) by the node hit of a write
   * sent after the fault took effect — when the cut-off side started saying no (ms);
   * undefined when it never refused.
   */
  isolatedRefusedMs?: number;
}

/** The write unavailability after each kill or partition of the history. */
export function unavailability(ops: readonly FailoverOp[]): FaultWindow[] {
  const faults = ops.filter((o) => o.f === "fault" && /^(kill|partition)\b/.test(String(o.value)));
  const acked = ops.filter((o) => o.f === "write" && o.outcome === "ok")
    .sort((a, b) => a.completeMs - b.completeMs);
  const multi = isMultiPrimary(ops);
  return faults.map((f) => {
    // Multi-primary: a write in flight when the fault hit proves nothing about availability.
    const after = acked.filter((o) =>
      multi ? o.invokeMs > f.completeMs : o.completeMs > f.invokeMs
    );
    const next = after.find((o) => o.node !== f.node);
    const healed = multi ? healAt(ops, f) : Infinity;
    const isolated = after.filter((o) => o.node === f.node && o.invokeMs < healed);
    const refusal = /^partition\b/.test(String(f.value))
      ? ops.filter((o) =>
        o.f === "write" && o.node === f.node && o.outcome === "fail" && o.invokeMs > f.completeMs
      ).sort((a, b) => a.completeMs - b.completeMs)[0]
      : undefined;
    return {
      ...(refusal ? { isolatedRefusedMs: refusal.completeMs - f.invokeMs } : {}),
      fault: String(f.value),
      atMs: f.invokeMs,
      ...(next ? { unavailableMs: next.completeMs - f.invokeMs, nextPrimary: next.node } : {}),
      isolatedAckMs: isolated.length ? isolated[isolated.length - 1].completeMs - f.invokeMs : 0,
      isolatedAcks: isolated.length,
    };
  });
}

/** Verdict of {@link lostUpdates} (Adya's P4 on read-modify-write counters). */
export interface LostUpdates {
  /** Committed increments. */
  committed: number;
  /** Committed increments whose read value another committed increment of the key also read. */
  duplicateReads: number;
  /** Of those, pairs whose two sessions ran on the same node (the storage engine's doing, not replication's). */
  sameNodeDuplicates: number;
  /** Sum over counters of max(0, committed − (final − initial)): increments the final value lacks. */
  missingFromFinal: number;
  /** Counters checked (those with a final read). */
  counters: number;
  examples: string[];
  /** True when neither kind was seen. */
  valid: boolean;
}

/**
 * Lost updates on counters: each committed `incr` read `value` and wrote `value + 1`, so under
 * any serial order the committed reads of one counter are distinct; and the final value (every
 * counter starts at 0) must be at least the number of committed increments.
 * Increments of unknown outcome may add to the final value, never subtract.
 */
export function lostUpdates(ops: readonly FailoverOp[]): LostUpdates {
  const out: LostUpdates = {
    committed: 0,
    duplicateReads: 0,
    sameNodeDuplicates: 0,
    missingFromFinal: 0,
    counters: 0,
    examples: [],
    valid: true,
  };
  const byKey = new Map<number, FailoverOp[]>();
  for (const o of ops) {
    if (o.f === "incr" && o.outcome === "ok") byKey.set(o.key, [...(byKey.get(o.key) ?? []), o]);
  }
  const finals = new Map<number, number>();
  for (const o of ops) if (o.f === "final_read" && o.key !== 0) finals.set(o.key, Number(o.value));
  for (const [key, list] of byKey) {
    out.committed += list.length;
    const seen = new Map<number, FailoverOp>();
    for (const o of list) {
      const v = Number(o.value);
      const prior = seen.get(v);
      if (prior) {
        out.duplicateReads++;
        if (prior.node === o.node) out.sameNodeDuplicates++;
        if (out.examples.length < 5) {
          out.examples.push(
            `counter ${key}: ${prior.session} (${prior.node}) and ${o.session} (${o.node}) ` +
              `both committed ${v} -> ${v + 1}`,
          );
        }
      } else seen.set(v, o);
    }
  }
  for (const [key, final] of finals) {
    out.counters++;
    const committed = byKey.get(key)?.length ?? 0;
    const missing = Math.max(0, committed - final);
    if (missing > 0) {
      out.missingFromFinal += missing;
      if (out.examples.length < 5) {
        out.examples.push(
          `counter ${key}: ${committed} committed increments, final value ${final}`,
        );
      }
    }
  }
  out.valid = out.duplicateReads === 0 && out.missingFromFinal === 0;
  return out;
}

/**
 * Verdicts on a recovered store, judged against the client's own record of its writes (never
 * against the store's word):
 *
 * - {@link checkPitr}: a point-in-time restore to `target` must hold *exactly* the writes
 *   committed before it — every write acknowledged before the target present, every write
 *   begun after it absent. A write in flight at the target (begun before, acknowledged after)
 *   may be either; it is counted, not judged. Keys nobody wrote are an error.
 * - {@link checkCrashLoss}: after a crash and recovery (restart, restore from an archive,
 *   promotion of a standby), how many acknowledged writes are gone (the measured RPO in
 *   writes), the time span they cover, and keys that came back without being written.
 *
 * Times are one clock (the client's, on the same machine as the server) in ms.
 *
 * @module
 */

/** One write as the client saw it. */
export interface AckedWrite {
  /** The key (or row id) the write created; unique per write. */
  key: string;
  /** When the client sent it. */
  invokeMs: number;
  /** When the store acknowledged it; undefined when it failed or never answered. */
  ackMs?: number;
}

/** The verdict of a point-in-time restore. */
export interface PitrVerdict {
  /** Exactly the writes before the target, none after, nothing foreign. */
  valid: boolean;
  /** Writes acknowledged before the target (must all be present). */
  before: number;
  /** Of those, missing from the restore. */
  missingBefore: number;
  /** Writes begun after the target (must all be absent). */
  after: number;
  /** Of those, present in the restore. */
  presentAfter: number;
  /** Writes in flight at the target (may be either way). */
  inFlight: number;
  /** Keys in the restore that no write of the history created. */
  foreign: number;
  examples: string[];
}

/** Judge a point-in-time restore of `history` to `targetMs` from the keys found. */
export function checkPitr(
  history: readonly AckedWrite[],
  targetMs: number,
  found: ReadonlySet<string>,
  maxExamples = 5,
): PitrVerdict {
  const examples: string[] = [];
  const note = (t: string) => examples.length < maxExamples && examples.push(t);
  let before = 0, missingBefore = 0, after = 0, presentAfter = 0, inFlight = 0;
  const known = new Set<string>();
  for (const w of history) {
    known.add(w.key);
    if (w.ackMs !== undefined && w.ackMs < targetMs) {
      before++;
      if (!found.has(w.key)) {
        missingBefore++;
        note(`missing ${w.key} (acknowledged ${(targetMs - w.ackMs).toFixed(1)} ms before)`);
      }
    } else if (w.invokeMs > targetMs) {
      after++;
      if (found.has(w.key)) {
        presentAfter++;
        note(`present ${w.key} (begun ${(w.invokeMs - targetMs).toFixed(1)} ms after)`);
      }
    } else {
      inFlight++;
    }
  }
  let foreign = 0;
  for (const k of found) {
    if (!known.has(k)) {
      foreign++;
      note(`foreign ${k}`);
    }
  }
  return {
    valid: missingBefore === 0 && presentAfter === 0 && foreign === 0,
    before,
    missingBefore,
    after,
    presentAfter,
    inFlight,
    foreign,
    examples,
  };
}

/** What a crash cost. */
export interface CrashLossVerdict {
  /** Writes the store acknowledged. */
  acked: number;
  /** Of those, gone after recovery. */
  lost: number;
  /** Acknowledged span lost: from the first lost write's acknowledgement to the last ack, ms. */
  lostSpanMs: number;
  /** Failed or unanswered writes that turned out applied (allowed; counted). */
  unackedApplied: number;
  /** Keys found that no write created (a harness or store bug). */
  foreign: number;
  /** Every acknowledged write survived and nothing foreign appeared. */
  noLoss: boolean;
  examples: string[];
}

/** Count acknowledged writes of `history` missing from `found` after a crash. */
export function checkCrashLoss(
  history: readonly AckedWrite[],
  found: ReadonlySet<string>,
  maxExamples = 5,
): CrashLossVerdict {
  const examples: string[] = [];
  const note = (t: string) => examples.length < maxExamples && examples.push(t);
  let acked = 0, lost = 0, unackedApplied = 0;
  let firstLostAck = Infinity, lastAck = -Infinity;
  const known = new Set<string>();
  for (const w of history) {
    known.add(w.key);
    if (w.ackMs === undefined) {
      if (found.has(w.key)) unackedApplied++;
      continue;
    }
    acked++;
    lastAck = Math.max(lastAck, w.ackMs);
    if (!found.has(w.key)) {
      lost++;
      firstLostAck = Math.min(firstLostAck, w.ackMs);
      note(`lost ${w.key}`);
    }
  }
  let foreign = 0;
  for (const k of found) {
    if (!known.has(k)) {
      foreign++;
      note(`foreign ${k}`);
    }
  }
  return {
    acked,
    lost,
    lostSpanMs: lost > 0 ? lastAck - firstLostAck : 0,
    unackedApplied,
    foreign,
    noLoss: lost === 0 && foreign === 0,
    examples,
  };
}

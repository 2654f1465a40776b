/**
 * The stale-read detector of the cache experiment. Every write to the database records the
 * version it committed with its invoke and acknowledgement times; every read through the cache
 * records the version it returned and whether it came from the cache (hit) or the database
 * (miss). Judged afterwards, like Jepsen's checkers, without touching any engine.
 *
 * A read is **stale** when the database had acknowledged a newer version of that key before the
 * read was invoked: real-time order says the read should have seen it. Versions acknowledged
 * while the read was in flight are concurrent and never count, so the detector has no false
 * positives from timing. The **age** of a stale read is how long the returned value had been
 * superseded when the read began: read invoke − acknowledgement of the first newer version (a
 * lower bound of what a user saw). A read of a version no write had even started by the time
 * the read completed is a `future_read` (a harness bug; never expected).
 *
 * Versions of one key are committed in increasing order (the row lock serialises updates), and
 * every key starts at `initialVersion`, committed before the history.
 *
 * What a stale read is not: a linearizability violation in general. Reads are compared with
 * acknowledged writes only, never with each other, so a read that returns an older version
 * than another read had already returned is not flagged while the newer write's
 * acknowledgement is still on its way (a database miss can see a commit before its writer
 * does, and a cache hit then still serve the old value). lib/checks/history.ts reports that
 * case as `non_linearizable_read`; neither is a full checker like Knossos or Porcupine.
 *
 * @module
 */

/** One committed (or failed) database write of a key's new version. Times: ms, one clock. */
export interface VersionWrite {
  key: string | number;
  /** The version the write committed (or tried to). */
  version: number;
  invokeMs: number;
  /** When the client saw the commit acknowledged (not `ok`: when it gave up, or Infinity). */
  completeMs: number;
  /**
   * False if the outcome is unknown (indeterminate, Jepsen's `:info`: the acknowledgement was
   * lost, or never came before the history was judged). The write may have committed, so its
   * version may be read (never a future read) but is never required to be; its `completeMs`
   * is not used. Default true. A write known not to have committed belongs in no history.
   */
  ok?: boolean;
}

/** One read through the cache. */
export interface CachedRead {
  key: string | number;
  /** Version returned (null: the key was not found anywhere; not judged). */
  version: number | null;
  invokeMs: number;
  completeMs: number;
  /** Where the value came from, e.g. `hit` (cache) or `miss` (database). */
  source: string;
}

/** Counts of one read source. */
export interface SourceTally {
  reads: number;
  stale: number;
}

/** The detector's verdict. */
export interface StaleReadVerdict {
  /** True when no read was stale and none came from the future. */
  fresh: boolean;
  /** Reads judged (version not null). */
  reads: number;
  /** Acknowledged writes. */
  writes: number;
  /** Stale reads. */
  stale: number;
  /** stale / reads (0 without reads). */
  staleRate: number;
  /** Reads and stale reads per source. */
  bySource: Record<string, SourceTally>;
  /** Ages of the stale reads (ms), ascending. */
  agesMs: number[];
  /** Reads of versions that no write had started before the read completed. */
  futureReads: number;
  /** Up to `maxExamples` readable examples. */
  examples: string[];
}

/** Per key: versions ascending, and for each the earliest ack of any higher version. */
interface KeyVersions {
  versions: number[];
  /** minAckAbove[i] = earliest completeMs of an acknowledged version > versions[i]. */
  minAckAbove: number[];
  /** Earliest invoke of each version (acknowledged or not), for future reads. */
  firstInvoke: Map<number, number>;
}

function index(writes: readonly VersionWrite[], initialVersion: number): Map<string, KeyVersions> {
  const byKey = new Map<string, VersionWrite[]>();
  for (const w of writes) {
    const k = String(w.key);
    const list = byKey.get(k);
    if (list) list.push(w);
    else byKey.set(k, [w]);
  }
  const out = new Map<string, KeyVersions>();
  for (const [k, list] of byKey) {
    const firstInvoke = new Map<number, number>();
    const ackOf = new Map<number, number>();
    for (const w of list) {
      firstInvoke.set(w.version, Math.min(firstInvoke.get(w.version) ?? Infinity, w.invokeMs));
      if (w.ok !== false) {
        ackOf.set(w.version, Math.min(ackOf.get(w.version) ?? Infinity, w.completeMs));
      }
    }
    const versions = [...new Set([initialVersion, ...ackOf.keys()])].sort((a, b) => a - b);
    const minAckAbove = new Array<number>(versions.length);
    let min = Infinity;
    for (let i = versions.length - 1; i >= 0; i--) {
      minAckAbove[i] = min;
      const ack = versions[i] === initialVersion ? -Infinity : ackOf.get(versions[i])!;
      min = Math.min(min, ack);
    }
    out.set(k, { versions, minAckAbove, firstInvoke });
  }
  return out;
}

/** Index of the highest version <= v, or -1. */
function floorIndex(versions: number[], v: number): number {
  let lo = 0, hi = versions.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (versions[mid] <= v) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

const ms = (x: number) => x.toFixed(2);

/**
 * Judges reads against the database's committed versions. O((reads + writes) log writes).
 * `initialVersion` is the version every key had before the history (default 1).
 */
export function checkStaleReads(
  writes: readonly VersionWrite[],
  reads: readonly CachedRead[],
  { initialVersion = 1, maxExamples = 5 }: { initialVersion?: number; maxExamples?: number } = {},
): StaleReadVerdict {
  const keys = index(writes, initialVersion);
  const bySource: Record<string, SourceTally> = {};
  const agesMs: number[] = [];
  const examples: string[] = [];
  let judged = 0;
  let futureReads = 0;
  for (const r of reads) {
    if (r.version === null) continue;
    judged++;
    const tally = bySource[r.source] ??= { reads: 0, stale: 0 };
    tally.reads++;
    const kv = keys.get(String(r.key));
    const what = `read of key ${r.key} from ${r.source} returned version ${r.version} ` +
      `[${ms(r.invokeMs)}–${ms(r.completeMs)} ms]`;
    if (r.version !== initialVersion) {
      const born = kv?.firstInvoke.get(r.version);
      if (born === undefined || born > r.completeMs) {
        futureReads++;
        if (examples.length < maxExamples) {
          examples.push(`future_read: ${what}, a version no write had started by then`);
        }
        continue;
      }
    }
    // Without writes to this key only the initial version exists: nothing newer to miss.
    if (!kv) continue;
    const i = floorIndex(kv.versions, r.version);
    const firstNewerAck = i < 0 ? kv.minAckAbove[0] : kv.minAckAbove[i];
    if (firstNewerAck < r.invokeMs) {
      tally.stale++;
      const age = r.invokeMs - firstNewerAck;
      agesMs.push(age);
      if (examples.length < maxExamples) {
        examples.push(
          `stale_read: ${what}, but a newer version was acknowledged ${ms(age)} ms before`,
        );
      }
    }
  }
  agesMs.sort((a, b) => a - b);
  const stale = agesMs.length;
  return {
    fresh: stale === 0 && futureReads === 0,
    reads: judged,
    writes: writes.filter((w) => w.ok !== false).length,
    stale,
    staleRate: judged > 0 ? stale / judged : 0,
    bySource,
    agesMs,
    futureReads,
    examples,
  };
}

/** The q-quantile (0..1) of ascending values by nearest rank; NaN when empty. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

/**
 * Every acknowledged write read back (a reshard must not lose one): judged on the values the
 * client was told were stored and the values read afterwards. A write that failed on the
 * client is indeterminate — it may or may not have been applied — so its key may hold that
 * value or none, but nothing else.
 *
 * @module
 */

/** What the client knows about its writes, and what it read afterwards. */
export interface ReadBack {
  /** key → value of every write the store acknowledged (the last one per key). */
  acked: ReadonlyMap<string, string>;
  /** key → value of writes that failed on the client (indeterminate). */
  failed?: ReadonlyMap<string, string>;
  /** key → value read after the run (null: not found). */
  read: ReadonlyMap<string, string | null>;
}

/** The verdict. */
export interface ReadBackVerdict {
  valid: boolean;
  /** Acknowledged writes judged. */
  acked: number;
  /** Acknowledged writes whose key was not found. */
  lost: number;
  /** Keys holding a value no write of the run wrote (or an older one). */
  wrong: number;
  /** Acknowledged keys not read back at all (a harness bug, reported, never assumed fine). */
  unread: number;
  /** Failed writes that turned out applied. */
  failedButApplied: number;
  examples: string[];
}

/** Judge a read-back. */
export function checkReadBack(r: ReadBack, maxExamples = 5): ReadBackVerdict {
  const examples: string[] = [];
  const note = (text: string) => {
    if (examples.length < maxExamples) examples.push(text);
  };
  let lost = 0;
  let wrong = 0;
  let unread = 0;
  for (const [key, value] of r.acked) {
    if (!r.read.has(key)) {
      unread++;
      note(`unread: ${key}`);
      continue;
    }
    const got = r.read.get(key);
    if (got === null) {
      lost++;
      note(`lost: ${key} (acknowledged ${JSON.stringify(value)})`);
    } else if (got !== value && got !== r.failed?.get(key)) {
      wrong++;
      note(`wrong: ${key} holds ${JSON.stringify(got)}, acknowledged ${JSON.stringify(value)}`);
    }
  }
  let failedButApplied = 0;
  for (const [key, value] of r.failed ?? []) {
    const got = r.read.get(key);
    if (got === value) failedButApplied++;
    else if (got !== null && got !== undefined && got !== r.acked.get(key)) {
      wrong++;
      note(`wrong: ${key} holds ${JSON.stringify(got)}, no write of the run wrote it`);
    }
  }
  return {
    valid: lost === 0 && wrong === 0 && unread === 0,
    acked: r.acked.size,
    lost,
    wrong,
    unread,
    failedButApplied,
    examples,
  };
}

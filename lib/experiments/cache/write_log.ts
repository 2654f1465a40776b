/**
 * The consistency harness's record of database writes, in the form the stale-read detector
 * (lib/checks/stale_reads.ts) judges. Jepsen's rule for a write whose acknowledgement is lost:
 * it is indeterminate (`:info`): it may or may not have happened. Dropping it, or recording
 * it without its version, turns a later read of what it did commit into a "future read".
 *
 * So a write enters the log the moment its version is known and before its commit is sent,
 * as indeterminate (`ok: false`); the acknowledgement makes it a committed write. A write that
 * fails before that moment never committed and leaves no entry. Because the entry exists
 * before the database can commit, a read can never see a version the log does not have yet,
 * even for writes still in flight when the history is judged.
 *
 * @module
 */

import type { VersionWrite } from "../../checks/stale_reads.ts";

/** The steps of one write, in the order they happen; `failed` may come at any point. */
export interface WriteRecord {
  /** The version is known and the commit is about to be sent: from now on it may exist. */
  committing(version: number): void;
  /** The commit was acknowledged at `completeMs`. */
  acknowledged(completeMs: number): void;
  /** The write failed at `completeMs`: indeterminate once committing, otherwise no write. */
  failed(completeMs: number): void;
}

/**
 * Starts recording one write of `key` invoked at `invokeMs` into `log`. The returned steps
 * update the log in place, so the log is always the history as far as it is known.
 */
export function recordWrite(log: VersionWrite[], key: number, invokeMs: number): WriteRecord {
  let entry: VersionWrite | undefined;
  return {
    committing(version) {
      if (entry) throw new Error(`write log: key ${key} already committing ${entry.version}`);
      // Never acknowledged until acknowledged() says so; Infinity says "no ack seen".
      entry = { key, version, invokeMs, completeMs: Infinity, ok: false };
      log.push(entry);
    },
    acknowledged(completeMs) {
      if (!entry) throw new Error(`write log: key ${key} acknowledged before committing`);
      entry.ok = true;
      entry.completeMs = completeMs;
    },
    failed(completeMs) {
      if (entry) entry.completeMs = completeMs;
    },
  };
}

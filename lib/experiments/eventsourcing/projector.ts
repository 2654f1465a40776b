/**
 * The asynchronous side of CQRS, engine-free: a projector reads a feed and applies batches to
 * one read model (the sink moves its checkpoint in the same atomic step), and the outbox relay
 * reads the store's feed and publishes to the bus, saving its checkpoint after the bus
 * acknowledged. Both can be crashed: the loop stops where it is, with no clean-up (an
 * unacknowledged batch, a published but unrecorded one), and their connections are dropped.
 *
 * @module
 */

import { sleep } from "../../engines/runtime/net.ts";
import { after, type Checkpoint, type StoredEvent } from "./domain.ts";
import type { BusAdmin, FeedSource, Outbox, ProjectionSink } from "./binding.ts";

/** Counters of a running loop. */
export interface LoopStats {
  batches: number;
  /** Events applied (projector) or published (relay). */
  events: number;
  /** Events skipped as already applied (projector) or dropped as duplicates by the bus (relay). */
  duplicates: number;
  errors: number;
}

/** A background loop with a crash and a clean stop. */
export abstract class Loop {
  readonly stats: LoopStats = { batches: 0, events: 0, duplicates: 0, errors: 0 };
  /** Called after every batch handled (a role's child process reports its counters here). */
  onBatch?: (stats: LoopStats) => void;
  protected running = false;
  protected crashed = false;
  /** The newest event handled. */
  position: Checkpoint = { tx: 0, position: 0 };
  #done: Promise<void> = Promise.resolve();

  protected abstract step(): Promise<void>;
  protected abstract release(): Promise<void>;

  start() {
    this.running = true;
    this.#done = (async () => {
      while (this.running) {
        try {
          const before = this.stats.batches;
          await this.step();
          if (this.stats.batches !== before) this.onBatch?.(this.stats);
        } catch (err) {
          if (!this.running || this.crashed) return;
          this.stats.errors++;
          if (this.stats.errors > 20) throw err;
          await sleep(20);
        }
      }
    })();
  }

  /** Wait until the loop has handled `target` (or `timeoutMs` passed); true when it did. */
  async reach(target: Checkpoint, timeoutMs: number): Promise<boolean> {
    const end = performance.now() + timeoutMs;
    while (after(target, this.position)) {
      if (performance.now() > end) return false;
      await sleep(5);
    }
    return true;
  }

  /** Stop cleanly after the current batch and close. */
  async stop() {
    this.running = false;
    await this.#done;
    await this.release();
  }

  /** Die now: no more acks or checkpoints; connections dropped mid-flight. */
  async crash() {
    this.crashed = true;
    this.running = false;
    await this.release().catch(() => {});
    await this.#done.catch(() => {});
  }
}

/** Reads a feed, applies to one sink, acknowledges the feed after the sink committed. */
export class Projector extends Loop {
  /**
   * @param onApplied called with the events the sink applied and the time they became visible
   * @param crashAfter optional: crash when this many events have been applied (fault runs)
   */
  constructor(
    readonly source: FeedSource,
    readonly sink: ProjectionSink,
    private readonly batch: number,
    private readonly onApplied?: (events: readonly StoredEvent[], visibleMs: number) => void,
  ) {
    super();
  }

  /** Resume from the sink's checkpoint. */
  async init() {
    this.position = await this.sink.checkpoint();
    return this;
  }

  protected async step() {
    const events = await this.source.next(this.position, this.batch);
    if (events.length === 0 || !this.running) return;
    const applied = await this.sink.apply(events);
    const visible = performance.now();
    if (this.crashed) return;
    this.source.ack?.();
    this.stats.batches++;
    this.stats.events += applied;
    this.stats.duplicates += events.length - applied;
    const last = events[events.length - 1];
    if (after(last, this.position)) this.position = last;
    if (applied > 0) this.onApplied?.(events.slice(events.length - applied), visible);
  }

  protected async release() {
    await this.source.close().catch(() => {});
    await this.sink.close().catch(() => {});
  }
}

/**
 * The outbox relay: the store's outbox → bus, then the relay's checkpoint (which deletes the
 * relayed outbox rows in the same transaction).
 */
export class Relay extends Loop {
  /**
   * When set, awaited after a batch is published and before its checkpoint is saved (the
   * faults part holds the relay's process there and kills it: the batch is republished).
   */
  afterPublish?: () => Promise<void>;

  constructor(
    private readonly outbox: Outbox,
    private readonly bus: BusAdmin,
    private readonly batch: number,
  ) {
    super();
  }

  async init() {
    this.position = await this.outbox.get();
    return this;
  }

  protected async step() {
    const events = await this.outbox.next(this.position, this.batch);
    if (events.length === 0 || !this.running) return;
    const duplicates = await this.bus.publish(events);
    await this.afterPublish?.();
    if (this.crashed) return;
    const last = events[events.length - 1];
    await this.outbox.set(last);
    this.stats.batches++;
    this.stats.events += events.length - duplicates;
    this.stats.duplicates += duplicates;
    this.position = last;
  }

  protected async release() {
    await this.outbox.close().catch(() => {});
  }
}

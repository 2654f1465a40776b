/**
 * What a store must offer the event-sourcing experiment (YCSB's habit: the parts know only
 * these verbs; one binding file per engine implements them). A binding declares what it
 * serves by its capabilities:
 *
 * - `eventStore` — the write side: an append-only event store with optimistic concurrency
 *   beside the CRUD tables of the same business operations, the order-status and sales read
 *   models, two feeds read from the store itself (polling, LISTEN/NOTIFY), and the saga's
 *   service stores (parts 1-5);
 * - `readModel` — a key-value read model (the storefront view) fed by a projector (parts 2-4);
 * - `bus` — a log that an outbox relay publishes events to and projectors consume from,
 *   with at-least-once delivery (parts 2 and 4).
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import type { Binding } from "../binding.ts";
import type { SagaRecord } from "../../checks/saga.ts";
import type {
  Checkpoint,
  Line,
  OrderState,
  ProjectionName,
  ReadModel,
  StoredEvent,
} from "./domain.ts";

/** The expected version did not match: another writer appended to the stream first. */
export class ConcurrencyConflict extends Error {
  constructor(readonly stream: string, readonly expected: number) {
    super(`stream ${stream}: expected version ${expected} was taken`);
  }
}

/** What one append stored: its events' positions and the appending transaction. */
export interface Appended {
  tx: number;
  positions: number[];
  /** The stream's version after the append. */
  version: number;
}

/** The outcome of a lifecycle command. */
export interface CommandResult {
  /** False when the command did not apply (out of stock, wrong state). */
  ok: boolean;
  /** Events appended (event-sourced mode only). */
  appended?: Appended;
  /** Version conflicts retried before it applied. */
  conflicts: number;
}

/** How the order domain is stored: as events, or as rows updated in place. */
export const STORE_MODES = ["events", "crud"] as const;

/** One storage mode. */
export type StoreMode = typeof STORE_MODES[number];

/** One client connection running the order lifecycle. */
export interface OrderSession {
  place(order: number, customer: number, lines: Line[]): Promise<CommandResult>;
  pay(order: number): Promise<CommandResult>;
  ship(order: number): Promise<CommandResult>;
  /** Cancel, releasing the stock and refunding a captured payment. */
  cancel(order: number): Promise<CommandResult>;
  /** The order read from the write side (event-sourced: loaded from its stream). */
  load(order: number): Promise<OrderState>;
  /**
   * Hot streams: take one unit of a product's stock. Event-sourced: read the product's stream
   * head and append with the expected version (a conflict retries); CRUD: one guarded UPDATE.
   */
  takeUnit(product: number): Promise<CommandResult>;
  close(): Promise<void>;
}

/** Storage footprint of a mode: bytes of its tables and indexes, orders and rows stored. */
export interface Footprint {
  bytes: number;
  orders: number;
  rows: number;
}

/** A projection's read model with its checkpoint, applied atomically. */
export interface ProjectionSink {
  readonly projection: ProjectionName;
  /** Empty the read model and its checkpoint. */
  reset(): Promise<void>;
  checkpoint(): Promise<Checkpoint>;
  /**
   * Apply the events that come after the stored checkpoint (others are duplicates and are
   * skipped) and move the checkpoint, in one atomic step; returns how many were applied.
   */
  apply(events: readonly StoredEvent[]): Promise<number>;
  /** The read model in canonical form (for the checker). */
  dump(): Promise<ReadModel>;
  close(): Promise<void>;
}

/** Where a projector (or the relay) reads events from. */
export interface FeedSource {
  /**
   * Events after `from` in feed order, at most `max`; waits (a poll interval, a notification,
   * a delivery) and returns [] when there are none yet.
   */
  next(from: Checkpoint, max: number): Promise<StoredEvent[]>;
  /** Acknowledge the events last returned (bus only: they will not be redelivered). */
  ack?(): void;
  close(): Promise<void>;
}

/** A checkpoint kept outside a sink (the relay's, with its outbox). */
export interface CheckpointStore {
  get(): Promise<Checkpoint>;
  set(cp: Checkpoint): Promise<void>;
  close(): Promise<void>;
}

/**
 * The transactional outbox as the relay reads it: `next` reads the rows after a checkpoint in
 * the feed's order; `set` saves the relay's checkpoint and deletes the rows it covers, in one
 * transaction; `get` is that checkpoint.
 */
export interface Outbox extends FeedSource, CheckpointStore {}

/** Feeds that read the store itself. */
export type StoreFeed = "poll" | "notify";

/** The event store and everything that lives beside it on the same server. */
export interface EventStoreAdmin {
  /** Create every table; products start with `initialStock` units each. */
  setup(products: { id: number; priceCents: number }[], initialStock: number): Promise<void>;
  /** Empty events, CRUD rows, read models and saga stores; restore stock. */
  reset(): Promise<void>;
  session(mode: StoreMode): Promise<OrderSession>;
  footprint(mode: StoreMode): Promise<Footprint>;
  /** A feed over the store's global order, polling every `pollMs` or woken by NOTIFY. */
  source(feed: StoreFeed, pollMs: number): Promise<FeedSource>;
  /** Install (or drop) the statement trigger that NOTIFYs after appends. */
  setNotify(on: boolean): Promise<void>;
  /** The outbox every append writes to in its own transaction, polled every `pollMs`. */
  outbox(pollMs: number): Promise<Outbox>;
  /** Queue every stored event in the outbox again, the relay's checkpoint at the start. */
  requeueOutbox(): Promise<void>;
  /** A sink for a projection this store holds (order_status, sales). */
  sink(projection: ProjectionName): Promise<ProjectionSink>;
  /** One order's row in the order-status view (undefined: not there yet). */
  viewOf(order: number): Promise<{ status: string; version: number } | undefined>;
  /** Every event in feed order (the checker's from-scratch rebuild reads this). */
  allEvents(): AsyncIterable<StoredEvent[]>;
  /** Events stored and the feed's newest checkpoint. */
  head(): Promise<{ events: number; checkpoint: Checkpoint }>;
  /** Append `orders` synthetic order lifecycles (`eventsPerOrder` events each) in bulk. */
  generate(orders: number, eventsPerOrder: number, products: number): Promise<number>;
  /** Streams of `length` events for the snapshot part, snapshotted every `every` (0: none). */
  prepareLongStream(stream: string, length: number, every: number): Promise<void>;
  /** Load an aggregate: the newest snapshot (when `useSnapshot`) and the events after it. */
  loadLong(stream: string, useSnapshot: boolean): Promise<{ events: number; state: number }>;
  /** The saga's service stores. */
  saga(): SagaStores;
  close(): Promise<void>;
}

/** A key-value read model (the storefront) fed by a projector. */
export interface ReadModelAdmin {
  sink(projection: ProjectionName): Promise<ProjectionSink>;
  close(): Promise<void>;
}

/** A log between the outbox relay and the projectors. */
export interface BusAdmin {
  /** Create (or recreate, empty) the stream the relay publishes to. */
  reset(): Promise<void>;
  /** Publish events in order, de-duplicated by position; returns how many were duplicates. */
  publish(events: readonly StoredEvent[]): Promise<number>;
  /**
   * A durable consumer named `name` from the start of the stream; unacknowledged deliveries
   * come again after `ackWaitMs`, and at most `maxPending` are outstanding at once.
   */
  source(name: string, ackWaitMs: number, maxPending: number): Promise<FeedSource>;
  /** Messages redelivered to consumers so far (the server's count). */
  redelivered(name: string): Promise<number>;
  close(): Promise<void>;
}

// ---- part 5: the saga's services ------------------------------------------------------------

/** A payment gateway's answer. */
export type GatewayAnswer = "captured" | "declined";

/** The stores each service of the checkout saga owns (one database here, separate tables). */
export interface SagaStores {
  /** Empty every service store and the saga log; stock back to its initial level. */
  reset(): Promise<void>;
  session(): Promise<SagaSession>;
  /** The final state of every service for the checker. */
  state(): Promise<SagaState>;
}

/** One connection to the saga's services. Every call is idempotent by its key. */
export interface SagaSession {
  /** Record a saga step in the orchestrator's log (its recovery reads it back). */
  log(saga: number, step: string, detail?: string): Promise<void>;
  /** Sagas whose log has no final step, with their last step. */
  open(): Promise<{ saga: number; step: string }[]>;
  /** Orders service (event store): append OrderPlaced / OrderCancelled / OrderShipped once. */
  order(saga: number, event: "placed" | "cancelled" | "shipped", lines: Line[]): Promise<void>;
  /** Inventory: hold the lines' stock for the saga (false: out of stock). Idempotent. */
  reserve(saga: number, lines: Line[]): Promise<boolean>;
  /** Inventory: release a hold (no-op when there is none or it was consumed). */
  release(saga: number): Promise<void>;
  /** Inventory: turn a hold into a sale. */
  commitHold(saga: number): Promise<void>;
  /** Payment gateway: capture once per key (a retry with the key returns the same answer). */
  capture(
    key: string,
    saga: number,
    amountCents: number,
    answer: GatewayAnswer,
  ): Promise<GatewayAnswer>;
  /** Payment gateway: refund a capture by key (no-op when none). */
  refund(key: string): Promise<void>;
  /** Shipping: create the shipment once. */
  ship(saga: number): Promise<void>;
  /** The single-database checkout in one ACID transaction (the comparison). */
  acidCheckout(
    order: number,
    lines: Line[],
    declined: boolean,
  ): Promise<"completed" | "declined" | "out_of_stock">;
  close(): Promise<void>;
}

/** The final state the saga checker judges. */
export interface SagaState {
  products: { id: number; initial: number; stock: number; held: number; sold: number }[];
  /** Per saga: what every service and the log hold (the checker's input). */
  sagas: SagaRecord[];
}

/** An engine bound to the experiment. */
export interface EsBinding extends Binding {
  eventStore?: (engine: Engine) => Promise<EventStoreAdmin>;
  readModel?: (engine: Engine) => Promise<ReadModelAdmin>;
  bus?: (engine: Engine) => Promise<BusAdmin>;
}

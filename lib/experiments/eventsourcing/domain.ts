/**
 * The order domain as events (no engine here): the lifecycle's event types, the fold that
 * loads an order aggregate from its stream, and the three projections as pure folds over the
 * global event order. The projectors (./projector.ts) apply the same folds to real read models;
 * the checker (lib/checks/projections.ts) compares those read models with these folds run
 * from scratch over the whole store.
 *
 * @module
 */

/** The order lifecycle's event types. */
export const ORDER_EVENTS = [
  "OrderPlaced",
  "StockReserved",
  "PaymentCaptured",
  "OrderShipped",
  "OrderCancelled",
  "PaymentRefunded",
] as const;

/** One event type of the order lifecycle. */
export type OrderEventType = typeof ORDER_EVENTS[number];

/** One order line. */
export interface Line {
  product: number;
  quantity: number;
  priceCents: number;
}

/** What every order event carries (denormalised so each projection needs one event). */
export interface OrderPayload {
  order: number;
  customer: number;
  /** OrderPlaced, StockReserved and OrderCancelled (the lines reserved or released). */
  lines?: Line[];
  /** OrderPlaced (total), PaymentCaptured and PaymentRefunded (amount). */
  amountCents?: number;
}

/** An event before it is stored. */
export interface NewEvent {
  type: OrderEventType | string;
  payload: OrderPayload | Record<string, unknown>;
}

/** An event as the store returns it: its stream version and its place in the global order. */
export interface StoredEvent {
  /** Global position (an identity column: unique, but assigned before commit). */
  position: number;
  /** The appending transaction's id (xid8): feeds read in (tx, position) order. */
  tx: number;
  stream: string;
  version: number;
  type: string;
  payload: OrderPayload;
}

/** Where a feed or projection stands: the last event applied, in (tx, position) order. */
export interface Checkpoint {
  tx: number;
  position: number;
}

/** The start of the feed. */
export const ORIGIN: Checkpoint = Object.freeze({ tx: 0, position: 0 });

/** True when event (or checkpoint) `a` comes after `b` in the feed's order. */
export function after(a: Checkpoint, b: Checkpoint): boolean {
  return a.tx > b.tx || (a.tx === b.tx && a.position > b.position);
}

/** The stream id of an order. */
export const orderStream = (order: number) => `order-${order}`;

/** Status of an order aggregate. */
export type OrderStatus = "none" | "placed" | "reserved" | "paid" | "shipped" | "cancelled";

/** The status an event leaves its order in (a refund follows a cancel: `cancelled`). */
export function statusAfter(type: string, current: OrderStatus = "none"): OrderStatus {
  switch (type) {
    case "OrderPlaced":
      return "placed";
    case "StockReserved":
      return "reserved";
    case "PaymentCaptured":
      return "paid";
    case "OrderShipped":
      return "shipped";
    case "OrderCancelled":
    case "PaymentRefunded":
      return "cancelled";
    default:
      return current;
  }
}

/** An order aggregate loaded from its stream. */
export interface OrderState {
  order: number;
  customer: number;
  status: OrderStatus;
  version: number;
  totalCents: number;
  lines: Line[];
  paidCents: number;
  refundedCents: number;
}

/** An order that has no events yet. */
export function emptyOrder(order: number): OrderState {
  return {
    order,
    customer: 0,
    status: "none",
    version: 0,
    totalCents: 0,
    lines: [],
    paidCents: 0,
    refundedCents: 0,
  };
}

/** Apply one event to an order (the aggregate's fold; `version` follows the stream). */
export function applyOrder(s: OrderState, type: string, version: number, p: OrderPayload) {
  s.status = statusAfter(type, s.status);
  s.version = version;
  if (type === "OrderPlaced") {
    s.customer = p.customer;
    s.totalCents = p.amountCents ?? 0;
    s.lines = p.lines ?? [];
  } else if (type === "PaymentCaptured") s.paidCents += p.amountCents ?? 0;
  else if (type === "PaymentRefunded") s.refundedCents += p.amountCents ?? 0;
  return s;
}

/** Load an order from its stream's events (in version order), from an optional snapshot. */
export function foldOrder(
  order: number,
  events: readonly Pick<StoredEvent, "type" | "version" | "payload">[],
  from?: OrderState,
): OrderState {
  const s = from ? structuredClone(from) : emptyOrder(order);
  for (const e of events) applyOrder(s, e.type, e.version, e.payload);
  return s;
}

/** The lifecycle commands the experiment issues, and the events each appends. */
export function eventsFor(
  command: "place" | "pay" | "ship" | "cancel",
  s: OrderState,
  placed?: { order: number; customer: number; lines: Line[] },
): NewEvent[] {
  if (command === "place") {
    const { order, customer, lines } = placed!;
    const total = lines.reduce((t, l) => t + l.quantity * l.priceCents, 0);
    return [
      { type: "OrderPlaced", payload: { order, customer, lines, amountCents: total } },
      { type: "StockReserved", payload: { order, customer, lines } },
    ];
  }
  const base = { order: s.order, customer: s.customer };
  if (command === "pay") {
    return [{ type: "PaymentCaptured", payload: { ...base, amountCents: s.totalCents } }];
  }
  if (command === "ship") return [{ type: "OrderShipped", payload: base }];
  const out: NewEvent[] = [{ type: "OrderCancelled", payload: { ...base, lines: s.lines } }];
  if (s.paidCents > s.refundedCents) {
    out.push({
      type: "PaymentRefunded",
      payload: { ...base, amountCents: s.paidCents - s.refundedCents },
    });
  }
  return out;
}

// ---- projections (pure) ---------------------------------------------------------------------

/** The read models the experiment builds. */
export const PROJECTIONS = ["order_status", "sales", "storefront"] as const;

/** One read model. */
export type ProjectionName = typeof PROJECTIONS[number];

/** A read model in canonical form: key → value, both strings (what the checker compares). */
export type ReadModel = Map<string, string>;

/** Order-status view: order → `status@version`. */
export function projectStatus(model: ReadModel, e: StoredEvent) {
  if (!e.stream.startsWith("order-")) return;
  const prev = model.get(String(e.payload.order));
  const status = statusAfter(e.type, (prev?.split("@")[0] ?? "none") as OrderStatus);
  model.set(String(e.payload.order), `${status}@${e.version}`);
}

/** Units reserved per product, net of cancellations: product → units. */
export function projectSales(model: ReadModel, e: StoredEvent) {
  const sign = e.type === "StockReserved" ? 1 : e.type === "OrderCancelled" ? -1 : 0;
  if (sign === 0) return;
  for (const l of e.payload.lines ?? []) {
    const k = String(l.product);
    model.set(k, String(Number(model.get(k) ?? 0) + sign * l.quantity));
  }
}

/** The storefront's "my orders": `customer:order` → status. */
export function projectStorefront(model: ReadModel, e: StoredEvent) {
  if (!e.stream.startsWith("order-")) return;
  const k = `${e.payload.customer}:${e.payload.order}`;
  model.set(k, statusAfter(e.type, (model.get(k) ?? "none") as OrderStatus));
}

/** The pure fold of each projection. */
export const PROJECT: Record<ProjectionName, (m: ReadModel, e: StoredEvent) => void> = {
  order_status: projectStatus,
  sales: projectSales,
  storefront: projectStorefront,
};

/** Every projection rebuilt from scratch over events in feed order. */
export function rebuildAll(events: Iterable<StoredEvent>): Record<ProjectionName, ReadModel> {
  const out = Object.fromEntries(PROJECTIONS.map((p) => [p, new Map()])) as Record<
    ProjectionName,
    ReadModel
  >;
  for (const e of events) for (const p of PROJECTIONS) PROJECT[p](out[p], e);
  return out;
}

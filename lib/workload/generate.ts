/**
 * Seeded, deterministic generators of the e-commerce data set, independent of any database
 * (YCSB style). A {@link Catalog} holds the small, always-in-memory tables (categories,
 * products, customers) plus the popularity distributions; the large tables (carts, orders,
 * sessions, events) are lazy iterables derived from it, so the million-event default scale
 * never has to sit in memory at once.
 *
 * Every table draws from its own random stream (seed + table name), so generating or skipping
 * one table never changes another: same seed → byte-identical rows.
 *
 * @module
 */

import type {
  Cart,
  CartLine,
  Category,
  Customer,
  Device,
  Event,
  Order,
  OrderLine,
  OrderStatus,
  Product,
  Segment,
  Session,
} from "./entities.ts";
import { type ActivityClock, createActivityClock } from "./activity.ts";
import { createMix } from "./mix.ts";
import { forkRng, type Rng } from "./rng.ts";
import { getScale, type Scale } from "./scales.ts";
import {
  ADJECTIVES,
  BRANDS,
  DEPARTMENTS,
  FEATURES,
  FIRST_NAMES,
  KIND_SINGULAR,
  KINDS,
  LAST_NAMES,
  MATERIALS,
  USES,
} from "./words.ts";
import { createZipf, type Zipf } from "./zipf.ts";

/** Countries and their share of customers (ISO 3166 alpha-2). */
export const COUNTRY_WEIGHTS: Readonly<Record<string, number>> = Object.freeze({
  DE: 0.22,
  FR: 0.16,
  GB: 0.14,
  IT: 0.1,
  ES: 0.09,
  NL: 0.07,
  PL: 0.07,
  SE: 0.05,
  PT: 0.04,
  BE: 0.03,
  AT: 0.03,
});

/** Device shares of sessions and events. */
export const DEVICE_WEIGHTS: Readonly<Record<Device, number>> = Object.freeze({
  mobile: 0.6,
  desktop: 0.35,
  tablet: 0.05,
});

/**
 * Share of sessions that end in an order: 2.5 %, inside the 2–3 % commonly quoted for web
 * shops (an assumed figure, not measured here).
 */
export const SESSION_CONVERSION = 0.025;

/** Mean page views per browsing session (sessions draw 1 + ⌊Exp(6)⌋ of them). */
export const MEAN_PAGE_VIEWS = 6.5;

/**
 * Share of events that are orders (the rest are page views): one order per converting session
 * among its page views, so about 0.4 %.
 */
export const ORDER_EVENT_SHARE = SESSION_CONVERSION / (MEAN_PAGE_VIEWS + SESSION_CONVERSION);

/** Share of a customer's sessions and events on their own device (the rest on any device). */
export const OWN_DEVICE_SHARE = 0.8;

/**
 * Items per order line by device: desktop baskets are larger than phone baskets, as shops
 * report higher order values on desktop (assumed ranges).
 */
const QUANTITY_BY_DEVICE: Readonly<Record<Device, readonly [number, number]>> = Object.freeze({
  mobile: [1, 2],
  tablet: [1, 3],
  desktop: [1, 4],
});

/** Zipf exponent of customer activity (some customers buy and browse far more). */
export const CUSTOMER_SKEW = 0.8;

const countryMix = createMix(COUNTRY_WEIGHTS);
const deviceMix = createMix(DEVICE_WEIGHTS);
const segmentMix = createMix<Segment>({ new: 0.3, regular: 0.62, vip: 0.08 });
// The most active 2 % of customers (lowest ids: id = activity rank) are mostly VIPs.
const activeSegmentMix = createMix<Segment>({ new: 0.05, regular: 0.45, vip: 0.5 });
const statusMix = createMix<OrderStatus>({
  pending: 0.05,
  paid: 0.1,
  shipped: 0.2,
  delivered: 0.6,
  cancelled: 0.05,
});

/** The in-memory part of a data set and the distributions used to sample from it. */
export interface Catalog {
  /** The scale the catalogue was generated at. */
  readonly scale: Scale;
  /** The base seed. */
  readonly seed: number;
  /** Categories, `categories[i].id === i + 1`. */
  readonly categories: readonly Category[];
  /** Products, `products[i].id === i + 1`. */
  readonly products: readonly Product[];
  /** Customers, `customers[i].id === i + 1`. */
  readonly customers: readonly Customer[];
  /** Popularity distribution over product ranks. */
  readonly productZipf: Zipf;
  /** Activity distribution over customer ids (customer id = rank). */
  readonly customerZipf: Zipf;
  /** `productIdByRank[r - 1]` is the id of the product with popularity rank r. */
  readonly productIdByRank: Int32Array;
  /** The window's daily and weekly traffic cycle (./activity.ts). */
  readonly activity: ActivityClock;
}

/** Generates the categories of a scale. Deterministic; ids are 1..n. */
export function generateCategories(scale: Scale, _seed: number): Category[] {
  const out: Category[] = [];
  const d = DEPARTMENTS.length;
  for (let i = 0; i < scale.categories; i++) {
    const dept = DEPARTMENTS[i % d];
    const kind = KINDS[Math.floor(i / d) % KINDS.length];
    const round = Math.floor(i / (d * KINDS.length));
    const name = round === 0 ? `${dept} ${kind}` : `${dept} ${kind} ${round + 1}`;
    out.push({ id: i + 1, name, slug: name.toLowerCase().replaceAll(" ", "-") });
  }
  return out;
}

function normal(rng: Rng): number {
  // Box–Muller; 1 - next() is in (0, 1], so the log is finite.
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/**
 * Generates products: category, name and searchable description built from fixed word lists,
 * log-normal prices around a per-category base price, stock, and a popularity rank that is a
 * seeded permutation of 1..n.
 */
export function generateProducts(scale: Scale, seed: number): Product[] {
  const rng = forkRng(seed, "products");
  const basePrice = new Float64Array(scale.categories);
  for (let c = 0; c < scale.categories; c++) basePrice[c] = 500 + rng.next() * 9500;
  const ranks = new Int32Array(scale.products);
  for (let i = 0; i < ranks.length; i++) ranks[i] = i + 1;
  for (let i = ranks.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    const t = ranks[i];
    ranks[i] = ranks[j];
    ranks[j] = t;
  }
  const out: Product[] = [];
  for (let i = 0; i < scale.products; i++) {
    const id = i + 1;
    const categoryIndex = rng.int(0, scale.categories - 1);
    const kind = KIND_SINGULAR[Math.floor(categoryIndex / DEPARTMENTS.length) % KINDS.length];
    const dept = DEPARTMENTS[categoryIndex % DEPARTMENTS.length];
    const adj = rng.pick(ADJECTIVES);
    const adj2 = rng.pick(ADJECTIVES);
    const material = rng.pick(MATERIALS);
    const brand = rng.pick(BRANDS);
    const name = `${brand} ${capitalize(adj)} ${capitalize(material)} ${kind} ${rng.int(100, 999)}`;
    const description = `A ${adj} and ${adj2} ${kind.toLowerCase()} made of ${material}, ` +
      `ideal for ${rng.pick(USES)} and ${rng.pick(USES)}. ${capitalize(rng.pick(FEATURES))}; ` +
      `${rng.pick(FEATURES)}. Part of our ${dept.toLowerCase()} range by ${brand}.`;
    const price = Math.max(99, Math.round(basePrice[categoryIndex] * Math.exp(0.5 * normal(rng))));
    const stock = rng.chance(0.05) ? 0 : rng.int(1, 500);
    out.push({
      id,
      category_id: categoryIndex + 1,
      sku: `SKU-${String(id).padStart(7, "0")}`,
      name,
      description,
      price_cents: price,
      stock,
      popularity_rank: ranks[i],
      created_at: scale.startMs - rng.int(1, 730) * 86_400_000,
    });
  }
  return out;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Generates customers with a country, a segment, and a unique e-mail address. */
export function generateCustomers(scale: Scale, seed: number): Customer[] {
  const rng = forkRng(seed, "customers");
  const out: Customer[] = [];
  for (let i = 0; i < scale.customers; i++) {
    const id = i + 1;
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    out.push({
      id,
      email: `${first.toLowerCase()}.${id}@example.com`,
      name: `${first} ${last}`,
      country: countryMix.pick(rng),
      segment: (i < scale.customers * 0.02 ? activeSegmentMix : segmentMix).pick(rng),
      device: deviceMix.pick(rng),
      created_at: scale.startMs - rng.int(1, 1500) * 86_400_000 + rng.int(0, 86_399) * 1000,
    });
  }
  return out;
}

/**
 * Builds the in-memory catalogue of a scale (by name or value). Cost at `default` scale:
 * tens of milliseconds.
 */
export function createCatalog(scale: Scale | string, seed: number): Catalog {
  const sc = typeof scale === "string" ? getScale(scale) : scale;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`createCatalog: seed must be an integer in [0, 2^32), got ${seed}`);
  }
  const products = generateProducts(sc, seed);
  const productIdByRank = new Int32Array(products.length);
  for (const p of products) productIdByRank[p.popularity_rank - 1] = p.id;
  return {
    scale: sc,
    seed,
    categories: generateCategories(sc, seed),
    products,
    customers: generateCustomers(sc, seed),
    productZipf: createZipf(products.length, sc.productSkew),
    customerZipf: createZipf(sc.customers, CUSTOMER_SKEW),
    productIdByRank,
    activity: createActivityClock(sc.startMs, sc.spanMs),
  };
}

/** Draws a product by popularity (Zipf over popularity ranks). Allocation-free. */
export function samplePopularProduct(catalog: Catalog, rng: Rng): Product {
  return catalog.products[catalog.productIdByRank[catalog.productZipf.sample(rng) - 1] - 1];
}

/** Draws a customer by activity (Zipf over customer ids). Allocation-free. */
export function sampleActiveCustomer(catalog: Catalog, rng: Rng): Customer {
  return catalog.customers[catalog.customerZipf.sample(rng) - 1];
}

/** Draws 1..maxLines distinct popular products (a few re-draws on collision, then gives up). */
function drawLineProducts(catalog: Catalog, rng: Rng, maxLines: number): Product[] {
  const n = 1 + Math.min(maxLines - 1, Math.floor(rng.exponential(1.2)));
  const picked: Product[] = [];
  for (let i = 0; i < n; i++) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const p = samplePopularProduct(catalog, rng);
      if (!picked.includes(p)) {
        picked.push(p);
        break;
      }
    }
  }
  return picked;
}

/** Open carts (ids 1..n), each with 1–8 lines of distinct popular products. */
export function* generateCarts(catalog: Catalog): Generator<Cart> {
  const { scale } = catalog;
  const rng = forkRng(catalog.seed, "carts");
  const end = scale.startMs + scale.spanMs;
  for (let i = 0; i < scale.carts; i++) {
    const id = i + 1;
    const lines: CartLine[] = drawLineProducts(catalog, rng, 8).map((p) => ({
      cart_id: id,
      product_id: p.id,
      quantity: rng.int(1, 3),
      price_cents: p.price_cents,
    }));
    yield {
      id,
      customer_id: sampleActiveCustomer(catalog, rng).id,
      updated_at: end - rng.int(0, 3 * 86_400_000),
      lines,
    };
  }
}

/**
 * Historical orders (ids 1..n in time order, spread over the scale's window along its daily
 * and weekly cycle), each with 1–6 lines of distinct popular products at their catalogue
 * price, more items per line on larger screens.
 */
export function* generateOrders(catalog: Catalog): Generator<Order> {
  const { scale } = catalog;
  const rng = forkRng(catalog.seed, "orders");
  for (let i = 0; i < scale.orders; i++) {
    const id = i + 1;
    const customer = sampleActiveCustomer(catalog, rng);
    const [low, high] = QUANTITY_BY_DEVICE[deviceOf(customer, rng)];
    let total = 0;
    let items = 0;
    const lines: OrderLine[] = drawLineProducts(catalog, rng, 6).map((p, k) => {
      const quantity = rng.int(low, high);
      total += quantity * p.price_cents;
      items += quantity;
      return {
        order_id: id,
        line_no: k + 1,
        product_id: p.id,
        quantity,
        price_cents: p.price_cents,
      };
    });
    yield {
      id,
      customer_id: customer.id,
      created_at: Math.floor(catalog.activity.at((i + rng.next()) / scale.orders)),
      status: statusMix.pick(rng),
      item_count: items,
      total_cents: total,
      lines,
    };
  }
}

/** The device of one of `customer`'s sessions or events: mostly their own. */
function deviceOf(customer: Customer, rng: Rng): Device {
  return rng.chance(OWN_DEVICE_SHARE) ? customer.device : deviceMix.pick(rng);
}

/**
 * Browsing sessions (ids 1..n in time order, along the window's daily and weekly cycle), in
 * the customer's country, mostly on the customer's own device.
 */
export function* generateSessions(catalog: Catalog): Generator<Session> {
  const { scale } = catalog;
  const rng = forkRng(catalog.seed, "sessions");
  for (let i = 0; i < scale.sessions; i++) {
    const customer = sampleActiveCustomer(catalog, rng);
    yield {
      id: i + 1,
      customer_id: customer.id,
      started_at: Math.floor(catalog.activity.at((i + rng.next()) / scale.sessions)),
      duration_s: 5 + Math.floor(rng.exponential(300)),
      device: deviceOf(customer, rng),
      country: customer.country,
      page_views: 1 + Math.floor(rng.exponential(6)),
    };
  }
}

/**
 * The event stream: `scale.events` order / page-view events with non-decreasing integer
 * millisecond timestamps (Poisson arrivals whose rate follows the window's daily and weekly
 * cycle), popular products and active customers drawn from their Zipf distributions, each
 * event mostly on its customer's own device, larger baskets on larger screens.
 */
export function* generateEvents(catalog: Catalog): Generator<Event> {
  const { scale } = catalog;
  const rng = forkRng(catalog.seed, "events");
  // Poisson arrivals conditioned on their count are sorted uniforms: n + 1 exponential gaps
  // scaled to sum 1 put exactly n events inside the activity axis (0, 1), which the activity
  // clock bends into clock time.
  const gaps = forkRng(catalog.seed, "events.arrivals");
  const at = new Float64Array(scale.events + 1);
  for (let i = 0; i <= scale.events; i++) at[i] = (i > 0 ? at[i - 1] : 0) + gaps.exponential(1);
  const sum = at[scale.events];
  for (let i = 0; i < scale.events; i++) {
    const u = at[i] / sum;
    const product = samplePopularProduct(catalog, rng);
    const customer = sampleActiveCustomer(catalog, rng);
    const isOrder = rng.chance(ORDER_EVENT_SHARE);
    const device = deviceOf(customer, rng);
    const [low, high] = QUANTITY_BY_DEVICE[device];
    yield {
      ts: Math.floor(catalog.activity.at(u)),
      type: isOrder ? "order" : "page_view",
      customer_id: customer.id,
      product_id: product.id,
      category_id: product.category_id,
      price_cents: product.price_cents,
      quantity: isOrder ? rng.int(low, high) : 0,
      device,
      country: customer.country,
    };
  }
}

/** Flattens the `lines` of carts or orders into one iterable of line rows (for bulk loads). */
export function* linesOf<L>(parents: Iterable<{ lines: L[] }>): Generator<L> {
  for (const p of parents) yield* p.lines;
}

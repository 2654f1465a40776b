/**
 * Row types of the generated e-commerce data set. Plain objects with snake_case keys equal to
 * the column names the engines will use, so rows can be bulk-loaded without renaming.
 * Timestamps are integer milliseconds since the Unix epoch (UTC).
 *
 * @module
 */

/** A product category. */
export interface Category {
  id: number;
  name: string;
  slug: string;
}

/** A product of the catalogue. */
export interface Product {
  id: number;
  category_id: number;
  sku: string;
  name: string;
  /** Free text for full-text search experiments. */
  description: string;
  price_cents: number;
  stock: number;
  /** 1 = most popular; the Zipf rank used when sampling products. */
  popularity_rank: number;
  created_at: number;
}

/** Customer segments. */
export type Segment = "new" | "regular" | "vip";

/** A customer account. */
export interface Customer {
  id: number;
  email: string;
  name: string;
  country: string;
  segment: Segment;
  /** The device this customer mostly shops from (most of their sessions and events). */
  device: Device;
  created_at: number;
}

/** One line of a cart. */
export interface CartLine {
  cart_id: number;
  product_id: number;
  quantity: number;
  price_cents: number;
}

/** An open shopping cart. */
export interface Cart {
  id: number;
  customer_id: number;
  updated_at: number;
  lines: CartLine[];
}

/** Order states. */
export type OrderStatus = "pending" | "paid" | "shipped" | "delivered" | "cancelled";

/** One line of an order. */
export interface OrderLine {
  order_id: number;
  line_no: number;
  product_id: number;
  quantity: number;
  price_cents: number;
}

/** A historical order. */
export interface Order {
  id: number;
  customer_id: number;
  created_at: number;
  status: OrderStatus;
  item_count: number;
  total_cents: number;
  lines: OrderLine[];
}

/** Client device classes. */
export type Device = "mobile" | "desktop" | "tablet";

/** A browsing session. */
export interface Session {
  id: number;
  customer_id: number;
  started_at: number;
  duration_s: number;
  device: Device;
  country: string;
  page_views: number;
}

/** Event kinds in the event stream. */
export type EventType = "order" | "page_view";

/** One event of the time-ordered event stream (analytics / time-series experiments). */
export interface Event {
  ts: number;
  type: EventType;
  customer_id: number;
  product_id: number;
  category_id: number;
  price_cents: number;
  /** Units ordered; 0 for page views. */
  quantity: number;
  device: Device;
  country: string;
}

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  createCatalog,
  createMix,
  createRng,
  createZipf,
  csvChunks,
  deriveSeed,
  generateCarts,
  generateEvents,
  generateOrders,
  generateSessions,
  getScale,
  linesOf,
  SCALES,
  toColumns,
  toCsv,
} from "./mod.ts";

function hashDataset(seed: number): string {
  const h = createHash("sha256");
  const cat = createCatalog("quick", seed);
  const feed = (rows: Iterable<unknown>) => {
    for (const r of rows) h.update(JSON.stringify(r) + "\n");
  };
  feed(cat.categories);
  feed(cat.products);
  feed(cat.customers);
  feed(generateCarts(cat));
  feed(generateOrders(cat));
  feed(generateSessions(cat));
  feed(generateEvents(cat));
  return h.digest("hex");
}

Deno.test("same seed gives byte-identical data, another seed different data", () => {
  const a = hashDataset(42);
  assert.equal(hashDataset(42), a);
  assert.notEqual(hashDataset(43), a);
});

Deno.test("rng: same seed same stream, ints in range, derived seeds differ by label", () => {
  const a = createRng(7);
  const b = createRng(7);
  for (let i = 0; i < 100; i++) assert.equal(a.nextU32(), b.nextU32());
  const r = createRng(1);
  for (let i = 0; i < 1000; i++) {
    const x = r.int(3, 5);
    assert.ok(x >= 3 && x <= 5 && Number.isInteger(x));
    const f = r.next();
    assert.ok(f >= 0 && f < 1);
  }
  assert.notEqual(deriveSeed(1, "products"), deriveSeed(1, "orders"));
  assert.notEqual(deriveSeed(1, "products"), deriveSeed(2, "products"));
});

Deno.test("zipf: rank-1 frequency matches theory; ranks in range", () => {
  const z = createZipf(1000, 0.99);
  const rng = createRng(123);
  const draws = 200_000;
  let ones = 0;
  let tens = 0;
  for (let i = 0; i < draws; i++) {
    const k = z.sample(rng);
    assert.ok(k >= 1 && k <= 1000);
    if (k === 1) ones++;
    if (k === 10) tens++;
  }
  let h = 0;
  for (let k = 1; k <= 1000; k++) h += 1 / Math.pow(k, 0.99);
  const p1 = 1 / h;
  assert.ok(Math.abs(z.probability(1) - p1) < 1e-12);
  // ~26 000 expected hits: 5 % relative tolerance is > 10 standard deviations.
  assert.ok(Math.abs(ones / draws - p1) / p1 < 0.05, `rank 1: ${ones / draws} vs ${p1}`);
  const p10 = p1 / Math.pow(10, 0.99);
  assert.ok(Math.abs(tens / draws - p10) / p10 < 0.15, `rank 10: ${tens / draws} vs ${p10}`);
  assert.ok(ones > 5 * tens);
});

Deno.test("zipf: s = 0 is uniform; bad parameters throw one line", () => {
  const z = createZipf(4, 0);
  assert.equal(z.probability(3), 0.25);
  assert.throws(() => createZipf(0, 1), /n must be a positive integer, got 0/);
  assert.throws(() => createZipf(10, -1), /s must be a finite number >= 0, got -1/);
});

Deno.test("mix: follows the weights, never picks a zero weight, validates", () => {
  const mix = createMix({ checkout: 0.2, orderStatus: 0.8, never: 0 });
  const rng = createRng(9);
  const counts: Record<string, number> = { checkout: 0, orderStatus: 0, never: 0 };
  for (let i = 0; i < 50_000; i++) counts[mix.pick(rng)]++;
  assert.equal(counts.never, 0);
  assert.ok(Math.abs(counts.checkout / 50_000 - 0.2) < 0.02);
  assert.deepEqual(mix.names, ["checkout", "orderStatus", "never"]);
  assert.throws(() => createMix({}), /no operations/);
  assert.throws(() => createMix({ a: -1 }), /weight of "a" must be a finite number >= 0, got -1/);
  assert.throws(() => createMix({ a: 0 }), /weights sum to 0/);
});

Deno.test("getScale: known names, one-line error listing valid names", () => {
  assert.equal(getScale("quick").products, 1000);
  assert.equal(getScale("default").events, 1_000_000);
  assert.throws(
    () => getScale("huge"),
    (e: Error) => e.message === 'unknown scale "huge"; valid scales: quick, default, large',
  );
  assert.throws(() => getScale("toString"), /unknown scale/);
});

Deno.test("catalogue shape at quick scale: ids, ranks, references, event order", () => {
  const cat = createCatalog("quick", 1);
  const sc = SCALES.quick;
  assert.equal(cat.products.length, sc.products);
  assert.equal(cat.customers.length, sc.customers);
  assert.equal(cat.categories.length, sc.categories);
  assert.equal(new Set(cat.categories.map((c) => c.name)).size, sc.categories);
  const ranks = new Set(cat.products.map((p) => p.popularity_rank));
  assert.equal(ranks.size, sc.products);
  for (const p of cat.products) {
    assert.ok(p.category_id >= 1 && p.category_id <= sc.categories);
    assert.ok(Number.isInteger(p.price_cents) && p.price_cents >= 99);
    assert.ok(p.description.length > 40);
  }
  assert.equal(new Set(cat.customers.map((c) => c.email)).size, sc.customers);
  let last = -Infinity;
  let n = 0;
  let orders = 0;
  for (const e of generateEvents(cat)) {
    assert.ok(e.ts >= last);
    last = e.ts;
    n++;
    if (e.type === "order") {
      orders++;
      assert.ok(e.quantity >= 1);
    }
    assert.equal(cat.products[e.product_id - 1].category_id, e.category_id);
  }
  assert.equal(n, sc.events);
  assert.ok(orders > 0 && orders < n / 10);
  const orderList = [...generateOrders(cat)];
  assert.equal(orderList.length, sc.orders);
  for (const o of orderList) {
    assert.ok(o.lines.length >= 1);
    assert.equal(new Set(o.lines.map((l) => l.product_id)).size, o.lines.length);
    assert.equal(o.total_cents, o.lines.reduce((s, l) => s + l.quantity * l.price_cents, 0));
  }
  const lines = [...linesOf(orderList)];
  assert.equal(lines.length, orderList.reduce((s, o) => s + o.lines.length, 0));
  assert.throws(() => createCatalog("quick", -1), /seed must be an integer/);
});

Deno.test("columns and CSV helpers: quoting, chunks, formatters", () => {
  const rows = [
    { id: 1, name: 'Say "hi", ok', n: null as number | null },
    { id: 2, name: "line\nbreak", n: 3 },
  ];
  assert.deepEqual(toColumns(rows, ["id", "n"]), { id: [1, 2], n: [null, 3] });
  assert.equal(
    toCsv(rows, ["id", "name", "n"]),
    'id,name,n\n1,"Say ""hi"", ok",\n2,"line\nbreak",3\n',
  );
  assert.equal(
    toCsv(rows, ["id"], { header: false, format: { id: (v) => v * 10 } }),
    "10\n20\n",
  );
  const chunks = [...csvChunks(rows, ["id"], { chunkRows: 1 })];
  assert.deepEqual(chunks, ["id\n1\n", "2\n"]);
  assert.throws(() => [...csvChunks(rows, ["id"], { chunkRows: 0 })], /chunkRows/);
});

Deno.test("a shop-like workload: customers grow with data, daily cycle, own devices, baskets by device", () => {
  const scale = { ...SCALES.quick, events: 200_000, customers: 40_000 };
  const cat = createCatalog(scale, 7);
  const byHour = new Array(24).fill(0);
  const seen = new Set<number>();
  const ownDevice = { same: 0, all: 0 };
  const basket: Record<string, number[]> = { mobile: [], desktop: [], tablet: [] };
  let orders = 0;
  let last = -Infinity;
  for (const e of generateEvents(cat)) {
    assert.ok(e.ts >= last && e.ts < scale.startMs + scale.spanMs, "timestamps ordered, inside");
    last = e.ts;
    byHour[new Date(e.ts).getUTCHours()]++;
    seen.add(e.customer_id);
    ownDevice.all++;
    if (cat.customers[e.customer_id - 1].device === e.device) ownDevice.same++;
    if (e.type === "order") {
      orders++;
      basket[e.device].push(e.quantity);
    }
  }
  // Not every customer shows up, unlike a catalogue where all 20 000 did at 10^6 events.
  assert.ok(seen.size < scale.customers * 0.9, `${seen.size} of ${scale.customers} seen`);
  // The evening peak carries several times the night's trough.
  assert.ok(byHour[20] > 5 * byHour[3], `hour 20: ${byHour[20]}, hour 3: ${byHour[3]}`);
  // 80 % on the own device plus the share of the random 20 % that lands on it anyway.
  const share = ownDevice.same / ownDevice.all;
  assert.ok(share > 0.82 && share < 0.95, `own-device share ${share}`);
  // About 0.4 % of events are orders (2.5 % of sessions convert).
  assert.ok(orders / scale.events > 0.003 && orders / scale.events < 0.005, `${orders} orders`);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(basket.desktop) > mean(basket.mobile) + 0.5, "desktop baskets are larger");
});

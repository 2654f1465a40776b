/**
 * The cached object: a product page as an e-commerce front end would cache it — the product
 * row plus what the page shows around it (breadcrumbs, images, attributes, variants, a rating
 * summary with a few reviews, related products, SEO text). Sizes then vary the way real
 * product pages do (a few KB, a long tail for pages with many reviews and attributes) rather
 * than being padding of one fixed length, which matters for Memcached's slab classes and for
 * Redis's per-key overhead.
 *
 * The page body is static per product and seeded; price, stock and version live in their own
 * database columns and are spliced in front of it, so an update changes the cached value
 * without regenerating the page.
 */

import type { Catalog } from "../../workload/generate.ts";
import type { Product } from "../../workload/entities.ts";
import { forkRng, type Rng } from "../../workload/rng.ts";
import {
  ADJECTIVES,
  FEATURES,
  FIRST_NAMES,
  LAST_NAMES,
  MATERIALS,
  USES,
} from "../../workload/words.ts";

const COLORS = ["black", "white", "navy", "olive", "red", "sand", "grey", "teal"];
const SIZES = ["XS", "S", "M", "L", "XL", "one size"];
const ATTRIBUTE_NAMES = [
  "material",
  "weight",
  "width",
  "height",
  "depth",
  "warranty",
  "origin",
  "care",
  "certification",
  "power",
  "capacity",
  "finish",
  "pack size",
  "age range",
  "season",
  "style",
];

function sentence(rng: Rng, words: number): string {
  const parts: string[] = [];
  for (let i = 0; i < words; i++) {
    const list = i % 3 === 0 ? ADJECTIVES : i % 3 === 1 ? MATERIALS : USES;
    parts.push(rng.pick(list));
  }
  const s = parts.join(" ");
  return s.charAt(0).toUpperCase() + s.slice(1) + ".";
}

/**
 * The static body of a product's page as a JSON object text (deterministic per seed and
 * product). Why seeded per product rather than from one stream: any subset of products can be
 * rebuilt identically (tests, reloads).
 */
export function productPageBody(catalog: Catalog, p: Product): string {
  const rng = forkRng(catalog.seed, `page:${p.id}`);
  const category = catalog.categories[p.category_id - 1];
  const slug = p.name.toLowerCase().replaceAll(" ", "-");
  const images = Array.from({ length: rng.int(3, 8) }, (_, i) => ({
    url: `https://img.example.com/p/${p.id}/${i + 1}-1200x1200.webp`,
    thumb: `https://img.example.com/p/${p.id}/${i + 1}-200x200.webp`,
    alt: `${p.name}, view ${i + 1}`,
  }));
  const attributes = Array.from({ length: rng.int(6, 20) }, () => ({
    name: rng.pick(ATTRIBUTE_NAMES),
    value: `${rng.pick(ADJECTIVES)} ${rng.pick(MATERIALS)}`,
  }));
  const variants = Array.from({ length: rng.int(1, 8) }, (_, i) => ({
    sku: `${p.sku}-${i + 1}`,
    color: rng.pick(COLORS),
    size: rng.pick(SIZES),
  }));
  // Review counts are skewed: most pages show none or one, some show several long ones.
  const reviewCount = Math.min(6, Math.floor(rng.exponential(1.5)));
  const reviews = Array.from({ length: reviewCount }, () => ({
    author: `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES).charAt(0)}.`,
    rating: rng.int(1, 5),
    title: sentence(rng, rng.int(3, 6)),
    body: Array.from({ length: rng.int(1, 6) }, () => sentence(rng, rng.int(6, 16))).join(" "),
  }));
  const related = Array.from({ length: rng.int(6, 16) }, () => rng.int(1, catalog.products.length));
  const body = {
    sku: p.sku,
    name: p.name,
    url: `/p/${p.id}/${slug}`,
    description: p.description,
    breadcrumbs: [
      { name: "Home", url: "/" },
      { name: category.name, url: `/c/${category.slug}` },
    ],
    images,
    attributes,
    variants,
    features: Array.from({ length: rng.int(2, 6) }, () => rng.pick(FEATURES)),
    rating: { average: Math.round((3 + rng.next() * 2) * 10) / 10, count: rng.int(0, 2000) },
    reviews,
    related,
    seo: {
      title: `${p.name} | ${category.name}`,
      description: `${p.description.slice(0, 150)}`,
    },
  };
  return JSON.stringify(body);
}

/**
 * The cached value of a product: version, price and stock from the database row in front of
 * the static page body. The version comes first so a reader finds it without parsing the
 * whole object.
 */
export function cachedValue(
  id: number,
  version: number,
  priceCents: number,
  stock: number,
  body: string,
): string {
  return `{"id":${id},"version":${version},"price_cents":${priceCents},"stock":${stock},` +
    `"page":${body}}`;
}

const VERSION = /^\{"id":\d+,"version":(\d+),/;

/** The version of a cached value (see {@link cachedValue}); throws on a foreign value. */
export function versionOf(value: string): number {
  const m = VERSION.exec(value);
  if (!m) throw new Error(`cached value is not a product page: ${value.slice(0, 60)}`);
  return Number(m[1]);
}

/** The cache key of a product. */
export function productKey(id: number): string {
  return `product:${id}`;
}

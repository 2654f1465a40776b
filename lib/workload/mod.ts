/**
 * Workload: seeded e-commerce data and operation mixes, independent of any database.
 *
 * @module
 */

export * from "./rng.ts";
export * from "./zipf.ts";
export * from "./mix.ts";
export * from "./scales.ts";
export type * from "./entities.ts";
export * from "./generate.ts";
export * from "./columns.ts";

/**
 * Results: the tidy CSV row format with provenance, its atomic writer and validating reader,
 * and builders that turn measurements into rows.
 *
 * @module
 */

export * from "./schema.ts";
export * from "./provenance.ts";
export * from "./csv.ts";
export * from "./engine_config.ts";
export * from "./resultset.ts";
export * from "./figure.ts";
export * from "./rundir.ts";

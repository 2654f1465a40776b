/**
 * Config validation at the edge: each check throws an Error with one line naming the
 * function, the field and the bad value, e.g.
 * `runOpenLoop: ratePerSec must be a positive finite number, got 0`.
 *
 * @module
 */

/** Renders a value for an error message (strings quoted, everything else as String). */
export function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** Throws unless `value` is a finite number > 0. */
export function requirePositive(where: string, field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new Error(`${where}: ${field} must be a positive finite number, got ${show(value)}`);
  }
  return value;
}

/** Throws unless `value` is an integer > 0. */
export function requirePositiveInt(where: string, field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new Error(`${where}: ${field} must be a positive integer, got ${show(value)}`);
  }
  return value;
}

/** Throws unless `value` is a finite number >= 0. */
export function requireNonNegative(where: string, field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new Error(`${where}: ${field} must be a finite number >= 0, got ${show(value)}`);
  }
  return value;
}

/** Throws unless `value` is an integer >= 0. */
export function requireNonNegativeInt(where: string, field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new Error(`${where}: ${field} must be an integer >= 0, got ${show(value)}`);
  }
  return value;
}

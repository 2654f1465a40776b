/**
 * The read-model check of CQRS: a read model built incrementally by a projector (through
 * crashes, redeliveries and restarts) must equal the same projection rebuilt from scratch over
 * every stored event. Both sides are canonical key → value maps. Keys missing from the read
 * model are lost updates; keys it has and the rebuild has not are phantoms; a differing value
 * is an update lost or applied twice — for a counter, a value above the rebuild's shows an
 * event applied twice, below it one lost.
 *
 * @module
 */

/** The verdict on one read model. */
export interface ProjectionVerdict {
  valid: boolean;
  /** Keys in the rebuild. */
  keys: number;
  missing: number;
  phantom: number;
  differing: number;
  /** Numeric values above the rebuild's (applied twice) and below it (lost). */
  over: number;
  under: number;
  examples: string[];
}

/** Compare a read model with its from-scratch rebuild. */
export function checkProjection(
  name: string,
  actual: ReadonlyMap<string, string>,
  rebuilt: ReadonlyMap<string, string>,
  maxExamples = 5,
): ProjectionVerdict {
  const v: ProjectionVerdict = {
    valid: true,
    keys: rebuilt.size,
    missing: 0,
    phantom: 0,
    differing: 0,
    over: 0,
    under: 0,
    examples: [],
  };
  const example = (text: string) => {
    if (v.examples.length < maxExamples) v.examples.push(`${name}: ${text}`);
  };
  for (const [k, want] of rebuilt) {
    const got = actual.get(k);
    if (got === undefined) {
      v.missing++;
      example(`${k} missing (rebuild: ${want})`);
    } else if (got !== want) {
      v.differing++;
      const [g, w] = [Number(got), Number(want)];
      if (Number.isFinite(g) && Number.isFinite(w)) g > w ? v.over++ : v.under++;
      example(`${k} is ${got}, rebuild ${want}`);
    }
  }
  for (const k of actual.keys()) {
    if (!rebuilt.has(k)) {
      v.phantom++;
      example(`${k} = ${actual.get(k)} not in the rebuild`);
    }
  }
  v.valid = v.missing + v.phantom + v.differing === 0;
  return v;
}

/**
 * `engine_config`: the engine settings that matter for a result, as one compact, canonical
 * string `key=value;key=value` (keys sorted), so rows with the same settings compare equal
 * and a notebook can split it back with {@link parseEngineConfig}.
 *
 * @module
 */

/** A settings map for {@link formatEngineConfig}. */
export type EngineConfig = Readonly<Record<string, string | number | boolean>>;

const BAD = /[;=\n\r]/;

/**
 * A path inside a run's private temp dir (`…/dsbench-<label>-XXXX/…`, see
 * lib/engines/runtime/process.ts): it differs on every run and machine, so results record it as
 * `<run dir>` and rows with the same settings still compare equal.
 */
const RUN_DIR = /(?:\/[^\s/;=]+)*\/dsbench-[A-Za-z0-9._-]+/g;

/** Formats settings as `key=value;…` with sorted keys; throws on `;`, `=` or newlines. */
export function formatEngineConfig(config: EngineConfig): string {
  return Object.keys(config).sort().map((k) => {
    const v = config[k];
    if (BAD.test(k) || k === "") throw new Error(`engine_config: bad key ${JSON.stringify(k)}`);
    if (typeof v === "number" && !Number.isFinite(v)) {
      throw new Error(`engine_config: value of ${k} must be finite, got ${v}`);
    }
    const s = String(v).replace(RUN_DIR, "<run dir>");
    if (BAD.test(s)) {
      throw new Error(
        `engine_config: value of ${k} may not contain ; = or newlines: ${JSON.stringify(s)}`,
      );
    }
    return `${k}=${s}`;
  }).join(";");
}

/** Parses `key=value;…` back into a map of strings ("" gives an empty map). */
export function parseEngineConfig(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === "") return out;
  for (const part of text.split(";")) {
    const i = part.indexOf("=");
    if (i <= 0) {
      throw new Error(
        `engine_config: bad entry ${JSON.stringify(part)} in ${JSON.stringify(text)}`,
      );
    }
    out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

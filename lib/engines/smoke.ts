/**
 * The engine smoke check: start every engine (or the chosen ones), run a real query on each,
 * report engine, version, provider and status, stop it. Skips say why; failures fail.
 */

import { ENGINES, EngineUnavailable, startEngine } from "./mod.ts";
import type { EngineName, ProviderName } from "./mod.ts";

/** One line of the smoke table. */
export interface SmokeResult {
  engine: EngineName;
  version: string;
  provider: ProviderName | "-";
  status: "ok" | "skipped" | "failed";
  detail: string;
  seconds: number;
}

/** Start, ping, stop each engine in turn (one at a time: two cores, honest start times). */
export async function smokeEngines(
  engines: EngineName[],
  provider?: ProviderName | "auto",
  onResult: (r: SmokeResult) => void = () => {},
): Promise<SmokeResult[]> {
  const results: SmokeResult[] = [];
  for (const engine of engines) {
    const t0 = performance.now();
    let result: SmokeResult;
    try {
      await using started = await startEngine({ engine, provider, replicas: 0 });
      await ENGINES[engine].ping(started.primary);
      result = {
        engine,
        version: started.version,
        provider: started.provider,
        status: "ok",
        detail: ENGINES[engine].describe,
        seconds: 0,
      };
    } catch (err) {
      const skipped = err instanceof EngineUnavailable;
      result = {
        engine,
        version: "-",
        provider: "-",
        status: skipped ? "skipped" : "failed",
        detail: (err as Error).message,
        seconds: 0,
      };
    }
    result.seconds = (performance.now() - t0) / 1000;
    results.push(result);
    onResult(result);
  }
  return results;
}

/** Render results as an aligned plain-text table. */
export function formatSmokeTable(results: SmokeResult[]): string {
  const rows = [["engine", "version", "provider", "status", "seconds", "detail"]].concat(
    results.map((r) => [r.engine, r.version, r.provider, r.status, r.seconds.toFixed(1), r.detail]),
  );
  const widths = rows[0].map((_, i) => i === 5 ? 0 : Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => i === 5 ? c : c.padEnd(widths[i])).join("  ")).join("\n");
}

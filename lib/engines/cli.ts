/**
 * `./denow task engines [--engine NAME ...] [--provider auto|native|docker|external]`:
 * start each engine, run a real query, print engine/version/provider/status, stop it.
 * Exit 1 when an engine failed (skips are not failures), 2 on bad arguments.
 */

import { parseArgs } from "node:util";
import { ENGINE_NAMES, parseEngineName, parseProviderName } from "./mod.ts";
import { formatSmokeTable, smokeEngines } from "./smoke.ts";

const USAGE = `usage: ./denow task engines [--engine NAME…] [--provider P]
  Start each engine (or the named ones), run a real query, print engine, version, provider
  and status, stop it. Engines that cannot run here are skipped with their reason.
  --engine NAME   ${ENGINE_NAMES.join(" | ")} (repeatable or comma-separated)
  --provider P    auto | native | docker | external (default auto, or BENCH_PROVIDER)`;

/** Run the smoke check with command-line arguments; returns the exit code. */
export async function engineCli(args: string[]): Promise<number> {
  let engines, provider;
  try {
    const { values } = parseArgs({
      args,
      options: {
        engine: { type: "string", multiple: true },
        provider: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    engines = (values.engine ?? [...ENGINE_NAMES]).flatMap((e) => e.split(",")).map(
      parseEngineName,
    );
    provider = values.provider ? parseProviderName(values.provider) : undefined;
  } catch (err) {
    console.error(`error: ${(err as Error).message}; see ./denow task engines --help`);
    return 2;
  }
  const results = await smokeEngines(
    engines,
    provider,
    (r) => console.error(`  ${r.engine}: ${r.status} (${r.seconds.toFixed(1)} s)`),
  );
  console.log(formatSmokeTable(results));
  return results.some((r) => r.status === "failed") ? 1 : 0;
}

if (import.meta.main) Deno.exit(await engineCli(Deno.args));

/**
 * The main job (`./denow task main`): check that every engine starts here, measure the
 * harness's own overhead, run every notebook's experiment at the chosen scale (default:
 * `default`), write data/, export the
 * HTML report and check its charts in Chromium, and regenerate the ADR's figures from data/.
 *
 *     deno task main [--scale quick|default|large] [--notebook NAME …] [--repetitions N]
 *
 * Each step prints progress on stderr; the first failing step ends the run with exit 1.
 */

import { parseArgs } from "node:util";
import { engineCli } from "./engines/cli.ts";
import { harnessOverhead } from "./experiments/overhead.ts";
import { main as reportCli } from "./report/cli.ts";
import { getScale } from "./workload/scales.ts";

/** Run the main job with command-line arguments; returns the exit code. */
export async function mainJob(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        scale: { type: "string", default: "default" },
        notebook: { type: "string", multiple: true, default: [] },
        repetitions: { type: "string" },
      },
    }));
    getScale(values.scale);
    if (
      values.repetitions !== undefined &&
      !(Number.isInteger(Number(values.repetitions)) && Number(values.repetitions) > 0)
    ) {
      throw new Error(`--repetitions must be a positive integer, got "${values.repetitions}"`);
    }
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    return 2;
  }
  const t0 = performance.now();
  const step = (name: string) =>
    console.error(`\n== ${name} (${((performance.now() - t0) / 1000).toFixed(0)} s) ==`);

  step("engines: start each, run a query, stop");
  if (await engineCli([]) !== 0) return 1;

  if (values.notebook.length === 0) {
    step("harness overhead: pgbench and redis-benchmark beside the load harness");
    try {
      await harnessOverhead({
        run: true,
        scale: values.scale,
        ...(values.repetitions ? { repetitions: Number(values.repetitions) } : {}),
      });
    } catch (err) {
      console.error(`error: ${(err as Error).message}`);
      return 1;
    }
  }

  step(`experiments: run notebooks at scale ${values.scale}`);
  const env = ["--env", "BENCH_RUN=1", "--env", `BENCH_SCALE=${values.scale}`];
  if (values.repetitions) env.push("--env", `BENCH_REPETITIONS=${values.repetitions}`);
  const targets = values.notebook.length ? values.notebook : ["--all"];
  if (await reportCli(["run", ...targets, ...env]) !== 0) return 1;

  step("report: check every chart in headless Chromium");
  if (await reportCli(["check"]) !== 0) return 1;

  step("adr: regenerate figures from data/");
  if (await reportCli(["adr"]) !== 0) return 1;

  step("done: data/, notebooks/, report/index.html, adr/");
  return 0;
}

if (import.meta.main) Deno.exit(await mainJob(Deno.args));

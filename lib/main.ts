/**
 * The main job (`./denow task main`): check that every engine starts here, run every
 * experiment at the chosen scale (outside any notebook kernel, with live progress), promote
 * complete default-scale runs into data/, execute the notebooks in replay to render the
 * report, check its charts in Chromium, and regenerate the ADR's figures from data/.
 *
 *     ./denow task main [--scale quick|default|large] [--experiment ID …] [--repetitions N]
 *
 * A run at another scale (or with fewer repetitions, or a subset) writes its run directories
 * only: data/, the notebooks and the ADR stay as committed. The first failing step ends the
 * run with exit 1; bad arguments exit 2.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { checkCharts, main as cli } from "./cli.ts";
import { engineCli } from "./engines/cli.ts";
import { formatDuration } from "./report/progress.ts";
import { experimentById, EXPERIMENTS } from "./registry.ts";
import { runExperiment, shown, wantsYardstick } from "./runs.ts";
import { measureYardstick } from "./experiments/overhead/yardstick.ts";
import { SCALE_NAMES } from "./workload/scales.ts";

const USAGE = `usage: ./denow task main [--scale S] [--experiment ID…] [--repetitions N]
  Every experiment at the default scale (or S), then the report and the ADR.
  --scale S         ${SCALE_NAMES.join(" | ")} (default: default)
  --experiment ID   only these experiments (repeatable): ${EXPERIMENTS.map((e) => e.id).join(", ")}
  --repetitions N   repetitions of every configuration (default 3)
  Only a complete default run replaces data/ and rewrites the notebooks and the ADR.`;

/** Run the main job with command-line arguments; returns the exit code. */
export async function mainJob(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        scale: { type: "string", default: "default" },
        experiment: { type: "string", multiple: true, default: [] },
        repetitions: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (!SCALE_NAMES.includes(values.scale)) {
      throw new Error(`unknown scale "${values.scale}"; valid scales: ${SCALE_NAMES.join(", ")}`);
    }
    values.experiment.forEach(experimentById);
    if (
      values.repetitions !== undefined &&
      !(Number.isInteger(Number(values.repetitions)) && Number(values.repetitions) > 0)
    ) {
      throw new Error(`--repetitions must be a positive integer, got "${values.repetitions}"`);
    }
  } catch (err) {
    console.error(`error: ${(err as Error).message}; see ./denow task main --help`);
    return 2;
  }
  const t0 = performance.now();
  const step = (name: string) =>
    console.error(`\n== ${name} (${formatDuration((performance.now() - t0) / 1000)}) ==`);

  step("engines: start each, run a query, stop");
  if (await engineCli([]) !== 0) return 1;

  const experiments = values.experiment.length
    ? values.experiment.map(experimentById)
    : [...EXPERIMENTS];
  let promotedAll = values.experiment.length === 0;
  // One yardstick for the whole job: every experiment's manifest records the same measurement.
  const yardstick = wantsYardstick(values.scale)
    ? await measureYardstick((line) => console.error(`yardstick: ${line}`))
    : false;
  for (const exp of experiments) {
    step(`${exp.id}: ${exp.title}`);
    try {
      const outcome = await runExperiment(exp, {
        yardstick,
        scale: values.scale,
        ...(values.repetitions ? { repetitions: Number(values.repetitions) } : {}),
      });
      console.error(`${exp.id}: ${shown(outcome.runDir)}/`);
      if (outcome.promoted.length === 0) {
        promotedAll = false;
        console.error(`${exp.id}: data/ left as it is (${outcome.notPromoted})`);
      }
    } catch (err) {
      console.error(`error: ${(err as Error).message}`);
      return 1;
    }
  }
  if (!promotedAll && values.experiment.length === 0) {
    step("done: results in runs/ (data/, notebooks/ and adr/ left as committed)");
    return 0;
  }

  step("notebooks: replay data/ to render every notebook and report/");
  if (await cli(["notebook", "--all"]) !== 0) return 1;

  step("report: check every chart in headless Chromium");
  if (!(await checkCharts())) return 1;

  step("adr: regenerate figures from data/");
  if (await cli(["adr"]) !== 0) return 1;

  step("done: data/, notebooks/, report/index.html, adr/");
  return 0;
}

if (import.meta.main) Deno.exit(await mainJob(Deno.args));

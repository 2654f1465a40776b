/**
 * The ADR's figures from the oltp experiment's committed rows (lib/experiments/oltp/summary.ts
 * computes; this file names the engines and phrases the numbers the decision record cites).
 *
 * @module
 */

import {
  type FigureFn,
  type FigureSet,
  formatNumber,
  formatPercent,
  formatRatio,
} from "../../results/figure.ts";
import { formatSpread } from "./spread.ts";
import {
  calibrationAt,
  calibrationInvariant,
  calibrationRatios,
  clientCpu,
  firstRunAfterStart,
  nearestCalibration,
  peerEngineRatio,
} from "../../experiments/oltp/calibration_summary.ts";
import {
  invariantTally,
  maxConcurrency,
  type OltpPoint,
  oltpSkipped,
  peak,
  pointAt,
  throughputRatio,
} from "../../experiments/oltp/summary.ts";

const FILE = "oltp_throughput.csv";
const CAL = "oltp_calibration.csv";

/** Harness/peer at one calibration point, as a figure with its paired interval. */
function calibrated(
  engine: string,
  isolation: string,
  concurrency: number,
  peer: string,
  placement = "shared",
  harness = "harness",
): FigureFn {
  return async (d) => {
    const r = calibrationAt(
      await d.rows(CAL),
      engine,
      isolation,
      concurrency,
      peer,
      placement,
      harness,
    );
    return {
      text: `${formatRatio(r)} of ${peer}`,
      value: r.ratio,
      ...(Number.isFinite(r.low) ? { low: r.low, high: r.high } : {}),
    };
  };
}

/**
 * What stands beside an absolute throughput the ADR cites: the spread of its repetitions
 * (flagged beyond 10 %) and how far the harness reached its peers at the nearest calibrated
 * point of the same engine and isolation.
 */
function peakContext(engine: string, isolation: string): FigureFn {
  return async (d) => {
    const p = peak(await d.rows(FILE), engine, isolation);
    const cal = await d.rows(CAL);
    const peers = [
      ...new Set(
        calibrationRatios(cal).filter((r) => r.engine === engine).map((r) => r.peer),
      ),
    ];
    const parts = peers.map((peer) => {
      // A level the calibration did not run is read at the level it did run, and says so.
      let r;
      try {
        r = nearestCalibration(cal, engine, isolation, p.concurrency, peer);
      } catch {
        r = nearestCalibration(cal, engine, "read committed", p.concurrency, peer);
      }
      const level = r.isolation === isolation ? "" : ` (${r.isolation.toUpperCase()})`;
      return `${r.ratio.toFixed(2)} of ${peer} at ${r.concurrency} clients${level}`;
    });
    return `${formatSpread(p.values)}; the harness reached ${parts.join(" and ")}`;
  };
}
const tps = (p: OltpPoint) =>
  `${formatNumber(p.mean, { decimals: 0 })} ops/s at ${p.concurrency} clients`;
const NAMES: Record<string, string> = {
  postgres: "PostgreSQL",
  mariadb: "MariaDB",
  cockroachdb: "CockroachDB",
};

/** The OLTP section's figures in the ADR. */
export const oltpFigures: FigureSet = {
  "oltp.pg_rc_peak": async (d) => tps(peak(await d.rows(FILE), "postgres", "read committed")),
  "oltp.maria_rc_peak": async (d) => tps(peak(await d.rows(FILE), "mariadb", "read committed")),
  "oltp.pg_ser_peak": async (d) => tps(peak(await d.rows(FILE), "postgres", "serializable")),
  "oltp.maria_ser_peak": async (d) => tps(peak(await d.rows(FILE), "mariadb", "serializable")),
  "oltp.pg_ser_abort_max": async (d) => {
    const rows = await d.rows(FILE);
    return formatPercent(
      pointAt(rows, "abort_rate", "checkout", "postgres", "serializable", maxConcurrency(rows))
        .mean,
    );
  },
  "oltp.maria_ser_abort_max": async (d) => {
    const rows = await d.rows(FILE);
    return formatPercent(
      pointAt(rows, "abort_rate", "checkout", "mariadb", "serializable", maxConcurrency(rows)).mean,
    );
  },
  "oltp.pg_rc_checkout_p99_max": async (d) => {
    const rows = await d.rows(FILE);
    return `${
      formatNumber(
        pointAt(rows, "latency_p99", "checkout", "postgres", "read committed", maxConcurrency(rows))
          .mean,
        { decimals: 1 },
      )
    } ms`;
  },
  "oltp.maria_rc_checkout_p99_max": async (d) => {
    const rows = await d.rows(FILE);
    return `${
      formatNumber(
        pointAt(rows, "latency_p99", "checkout", "mariadb", "read committed", maxConcurrency(rows))
          .mean,
        { decimals: 1 },
      )
    } ms`;
  },
  "oltp.ratio_pg_maria_rc_max": async (d) => {
    const rows = await d.rows(FILE);
    const r = throughputRatio(rows, "postgres", "mariadb", "read committed", maxConcurrency(rows));
    return `${r.ratio.toFixed(2)}× (95 % CI ${r.low.toFixed(2)}–${r.high.toFixed(2)})`;
  },
  "oltp.rc_leader_max": async (d) => {
    const rows = await d.rows(FILE);
    const r = throughputRatio(rows, "postgres", "mariadb", "read committed", maxConcurrency(rows));
    return r.low > 1
      ? "PostgreSQL is ahead"
      : r.high < 1
      ? "MariaDB is ahead"
      : "neither engine is clearly ahead";
  },
  "oltp.p99_leader_max": async (d) => {
    const rows = await d.rows(FILE);
    const c = maxConcurrency(rows);
    const pg = pointAt(rows, "latency_p99", "checkout", "postgres", "read committed", c);
    const my = pointAt(rows, "latency_p99", "checkout", "mariadb", "read committed", c);
    if (pg.ciHigh < my.ciLow) return "PostgreSQL's is lower";
    if (my.ciHigh < pg.ciLow) return "MariaDB's is lower";
    return "neither is clearly lower";
  },
  "oltp.pg_ser_cost_max": async (d) => {
    const rows = await d.rows(FILE);
    const c = maxConcurrency(rows);
    const rc = pointAt(rows, "throughput", "all", "postgres", "read committed", c).mean;
    const ser = pointAt(rows, "throughput", "all", "postgres", "serializable", c).mean;
    return formatPercent(1 - ser / rc, 0);
  },
  "oltp.pg_rc_checkout_p99_c16": async (d) =>
    `${
      formatNumber(
        pointAt(await d.rows(FILE), "latency_p99", "checkout", "postgres", "read committed", 16)
          .mean,
        { decimals: 1 },
      )
    } ms`,
  "oltp.maria_rc_checkout_p99_c16": async (d) =>
    `${
      formatNumber(
        pointAt(await d.rows(FILE), "latency_p99", "checkout", "mariadb", "read committed", 16)
          .mean,
        { decimals: 1 },
      )
    } ms`,
  "oltp.max_clients": async (d) => String(maxConcurrency(await d.rows(FILE))),
  "oltp.invariant": async (d) => {
    const { runs, violated } = invariantTally(await d.rows(FILE));
    return violated === 0
      ? `all ${runs} runs kept the stock invariant`
      : `${violated} of ${runs} runs violated the stock invariant`;
  },
  "oltp.skipped": async (d) => {
    const skipped = oltpSkipped(await d.rows(FILE));
    return skipped.length === 0
      ? "none"
      : skipped.map((s) =>
        `${NAMES[s.engine] ?? s.engine} (${s.reason.replace(/^\S+ skipped: /, "")})`
      ).join("; ");
  },
  "oltp.pg_rc_peak_context": peakContext("postgres", "read committed"),
  "oltp.maria_rc_peak_context": peakContext("mariadb", "read committed"),
  "oltp.pg_ser_peak_context": peakContext("postgres", "serializable"),
  "oltp.maria_ser_peak_context": peakContext("mariadb", "serializable"),
  "oltp.cal_pg_rc_c4_pgbench": calibrated("postgres", "read committed", 4, "pgbench"),
  "oltp.cal_pg_rc_c16_pgbench": calibrated("postgres", "read committed", 16, "pgbench"),
  "oltp.cal_pg_ser_c16_pgbench": calibrated("postgres", "serializable", 16, "pgbench"),
  "oltp.cal_pg_rc_c4_sysbench": calibrated("postgres", "read committed", 4, "sysbench"),
  "oltp.cal_pg_rc_c16_sysbench": calibrated("postgres", "read committed", 16, "sysbench"),
  "oltp.cal_maria_rc_c4_sysbench": calibrated("mariadb", "read committed", 4, "sysbench"),
  "oltp.cal_maria_rc_c16_sysbench": calibrated("mariadb", "read committed", 16, "sysbench"),
  "oltp.cal_pg_rc_c16_split_pgbench": calibrated(
    "postgres",
    "read committed",
    16,
    "pgbench",
    "split",
  ),
  "oltp.cal_pg_rc_c4_postgresjs_pgbench": calibrated(
    "postgres",
    "read committed",
    4,
    "pgbench",
    "shared",
    "harness:postgres.js",
  ),
  "oltp.cal_split_cv": async (d) => {
    const cal = await d.rows(CAL);
    const at = (placement: string) =>
      calibrationAt(cal, "postgres", "read committed", 16, "pgbench", placement);
    const shared = at("shared"), split = at("split");
    const verdict = split.harnessCv < shared.harnessCv
      ? "split lowers the harness's spread"
      : "split does not lower the spread, so runs keep the scheduler's placement";
    return `harness CV ${formatPercent(shared.harnessCv, 0)} shared, ${
      formatPercent(split.harnessCv, 0)
    } split (pgbench ${formatPercent(shared.peerCv, 0)} / ${
      formatPercent(split.peerCv, 0)
    }): ${verdict}`;
  },
  "oltp.cal_client_cpu": async (d) => {
    const cpu = clientCpu(await d.rows(CAL));
    const order = ["harness", "harness:postgres.js", "pgbench", "sysbench"];
    return cpu.sort((a, b) =>
      a.engine.localeCompare(b.engine) || order.indexOf(a.tool) - order.indexOf(b.tool)
    ).map((c) =>
      `${c.client} ${formatNumber(c.usPerTxn, { decimals: 0 })} µs/txn on ${
        NAMES[c.engine] ?? c.engine
      }`
    ).join(", ");
  },
  "oltp.cal_client_gap": async (d) => {
    const cpu = clientCpu(await d.rows(CAL));
    const pg = cpu.find((c) => c.engine === "postgres" && c.tool === "harness");
    const my = cpu.find((c) => c.engine === "mariadb" && c.tool === "harness");
    if (!pg || !my) throw new Error("no harness CPU for both engines");
    const gap = pg.usPerTxn / my.usPerTxn - 1;
    const who = `${pg.client} costs ${formatPercent(Math.abs(gap), 0)} ${
      gap >= 0 ? "more" : "less"
    } CPU per transaction than ${my.client}`;
    return Math.abs(gap) > 0.1
      ? `${who}: beyond 10 %, so the harness's engine comparison carries its clients' difference`
      : `${who}: within 10 %, so the clients do not tilt the engine comparison`;
  },
  "oltp.cal_engines_sysbench_rc_c16": async (d) => {
    const r = peerEngineRatio(
      await d.rows(CAL),
      "sysbench",
      "postgres",
      "mariadb",
      "read committed",
      16,
    );
    return `${formatRatio(r.peer)}× by sysbench against ${formatRatio(r.harness)}× by the harness`;
  },
  "oltp.first_run_after_start": async (d) => {
    const first = firstRunAfterStart(await d.rows(FILE));
    if (first.length === 0) throw new Error("no repeated first configuration");
    const text = first.map((f) => `${f.ratio.toFixed(2)} on ${NAMES[f.engine] ?? f.engine}`)
      .join(", ");
    const low = first.every((f) => f.ratio < 0.9);
    return `${text} (${
      low
        ? "systematically low: read the first configuration's interval with that in mind"
        : "not systematically low here"
    })`;
  },
  "oltp.cal_engines_sysbench_leader": async (d) => {
    const { peer } = peerEngineRatio(
      await d.rows(CAL),
      "sysbench",
      "postgres",
      "mariadb",
      "read committed",
      16,
    );
    return peer.low > 1
      ? "PostgreSQL is ahead"
      : peer.high < 1
      ? "MariaDB is ahead"
      : "neither engine is clearly ahead";
  },
  "oltp.cal_invariant": async (d) => {
    const { runs, violated } = calibrationInvariant(await d.rows(CAL));
    return violated === 0
      ? `all ${runs} calibration runs kept the stock invariant`
      : `${violated} of ${runs} calibration runs violated the stock invariant`;
  },
  "oltp.repetitions": async (d) => {
    const rows = await d.rows(FILE);
    return String(
      new Set(rows.filter((r) => r.metric === "throughput").map((r) => r.repetition)).size,
    );
  },
};

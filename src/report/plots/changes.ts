/**
 * With two or more runs: each later run against the first, case by case — the change of the
 * median time per call with its bootstrap 95 % interval, classed as `compare` classes it
 * (src/compare/), inside the ±noise band.
 *
 * @example
 * ```ts
 * import { changesPlot } from "./changes.ts";
 * changesPlot([before, after])?.data.rows.length; // one row per paired case
 * ```
 * @module
 */
import { compareRuns, DEFAULT_COMPARE_OPTIONS } from "../../compare/compare.ts";
import { type Plot, records, runNames, settingLabel, varyingParams } from "../plot.ts";
import type { ReportRun } from "../run_data.ts";

const CLASS_COLOURS = {
  improved: "#2ca02c",
  regressed: "#d62728",
  unchanged: "#7f7f7f",
  inconclusive: "#ff7f0e",
};

/**
 * The plot, or undefined for a single run or runs with no case in common.
 *
 * @example
 * ```ts
 * changesPlot([a, b])?.caption; // "Change of the median time per call of each case …"
 * ```
 */
export function changesPlot(runs: readonly ReportRun[]): Plot | undefined {
  if (runs.length < 2) return undefined;
  const names = runNames(runs);
  const sides = runs.map((r, i) => ({ ...r, label: names[i] }));
  const keys = varyingParams(runs, "");
  const options = DEFAULT_COMPARE_OPTIONS;
  const columns = ["comparison", "case", "change", "low", "high", "class", "confidence"];
  const rows = sides.slice(1).flatMap((side) => {
    const report = compareRuns(sides[0], side, options);
    return report.pairs.map((pair) => {
      const time = pair.metrics[0];
      const comparison = `${side.label} vs ${sides[0].label}`;
      return [
        comparison,
        `${runs.length > 2 ? comparison + ": " : ""}${settingLabel(pair.kernel, pair.params, keys)}`,
        time.change,
        time.low,
        time.high,
        time.class,
        time.confidence,
      ];
    });
  });
  if (rows.length === 0) return undefined;
  const values = records({ columns, rows });
  return {
    name: "changes",
    title: runs.length === 2 ? `Change: ${names[1]} against ${names[0]}` : `Change against ${names[0]}`,
    caption:
      `Change of the median time per call of each case against the first run (${runs[0].label}), with its ` +
      `bootstrap 95 % interval (${options.resamples} resamples of the raw samples); shaded: the ±${
        options.noise * 100
      } % noise band; classed as attnbench compare classes it (Mann–Whitney α = ${options.alpha}).`,
    wide: true,
    data: { columns, rows },
    spec: (frame) => {
      const x = {
        type: "quantitative",
        axis: { format: "+.0%" },
        title: "change of median time per call",
      } as const;
      const color = {
        field: "class",
        type: "nominal",
        title: "class",
        scale: { domain: Object.keys(CLASS_COLOURS), range: Object.values(CLASS_COLOURS) },
      } as const;
      return {
        width: frame.width * 0.6,
        height: { step: frame.rowHeight },
        data: { values },
        encoding: { y: { field: "case", type: "nominal", sort: null, title: null, axis: { labelLimit: 0 } } },
        layer: [
          {
            data: { values: [{ low: -options.noise, high: options.noise }] },
            mark: { type: "rect", color: "#eee" },
            encoding: {
              x: { ...x, field: "low" },
              x2: { field: "high" },
              y: { value: 0 },
              y2: { value: "height" },
            },
          },
          { mark: { type: "rule", color: "#555" }, encoding: { x: { ...x, datum: 0 } } },
          {
            mark: { type: "rule" },
            encoding: { x: { ...x, field: "low" }, x2: { field: "high" }, color },
          },
          {
            mark: { type: "point", filled: true },
            encoding: { x: { ...x, field: "change" }, color },
          },
        ],
      };
    },
  };
}

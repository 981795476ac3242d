/**
 * Each case's samples, as a box: the time per call of every timed sample divided by the case's
 * median, so spreads compare across cases that differ by orders of magnitude. Box: interquartile
 * range; whiskers: 5th to 95th percentile; a flagged case (noisy, loaded, …) is coloured.
 *
 * @example
 * ```ts
 * import { distributionPlot } from "./distribution.ts";
 * distributionPlot(runs)?.data.rows.length; // one row per case with samples
 * ```
 * @module
 */
import { nearestRank } from "../../stats.ts";
import { type Plot, records, runNames, settingLabel, varyingParams } from "../plot.ts";
import type { ReportRun } from "../run_data.ts";

/**
 * The plot, or undefined when no case kept raw samples (the latency plugin writes them).
 *
 * @example
 * ```ts
 * distributionPlot(runs)?.name; // "distributions"
 * ```
 */
export function distributionPlot(runs: readonly ReportRun[]): Plot | undefined {
  const names = runNames(runs);
  const keys = varyingParams(runs, "");
  const columns = ["case", "samples", "p5", "p25", "p50", "p75", "p95", "median_us", "quality"];
  const rows = runs.flatMap((run, i) =>
    run.cases.filter((c) => (c.samples_us?.length ?? 0) > 0 && (c.record.median_us ?? 0) > 0).map((c) => {
      const median = c.record.median_us!;
      const sorted = [...c.samples_us!].sort((a, b) => a - b);
      const at = (p: number) => round(nearestRank(sorted, p) / median);
      const label = [
        names[i],
        `#${c.record.index}`,
        settingLabel(c.record.kernel.name, c.record.params, keys),
      ]
        .filter(Boolean).join(" ");
      return [label, sorted.length, at(5), at(25), at(50), at(75), at(95), median, c.record.quality ?? "ok"];
    })
  );
  if (rows.length === 0) return undefined;
  const values = records({ columns, rows });
  const flagged = rows.filter((r) => r[8] !== "ok").length;
  return {
    name: "distributions",
    title: "Sample distributions per case",
    caption:
      `Time per call of every timed sample ÷ the case's median: box = interquartile range, whiskers = ` +
      `5th–95th percentile (nearest rank), tick = median, log scale; ${flagged} of ${rows.length} cases flagged by quality ` +
      `(coloured; noisy means IQR > 10 % of the median).`,
    wide: true,
    data: { columns, rows },
    spec: (frame) => {
      const y = { field: "case", type: "nominal", sort: null, title: null, axis: { labelLimit: 0 } } as const;
      const color = {
        field: "quality",
        type: "nominal",
        title: "quality",
        scale: { domain: qualityDomain(values.map((v) => String(v.quality))), range: QUALITY_COLOURS },
      } as const;
      return {
        // Leave the rest of the width to the cases' labels.
        width: frame.width * (frame.target === "paper" ? 0.45 : 0.7),
        height: { step: frame.rowHeight },
        data: { values },
        encoding: { y },
        layer: [
          {
            mark: { type: "rule" },
            encoding: {
              x: {
                field: "p5",
                type: "quantitative",
                title: "time per call ÷ case median (log)",
                scale: { type: "log" },
              },
              x2: { field: "p95" },
              color,
            },
          },
          {
            mark: { type: "bar", size: frame.rowHeight * 0.6 },
            encoding: { x: { field: "p25", type: "quantitative" }, x2: { field: "p75" }, color },
          },
          {
            mark: { type: "tick", color: "black", size: frame.rowHeight * 0.8, thickness: 1 },
            encoding: { x: { field: "p50", type: "quantitative" } },
          },
        ],
      };
    },
  };
}

/** `ok` first in grey, then each flag combination in a distinct colour. */
const QUALITY_COLOURS = ["#9aa5b1", "#d62728", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

function qualityDomain(qualities: string[]): string[] {
  const flagged = [...new Set(qualities.filter((q) => q !== "ok"))].sort();
  return qualities.includes("ok") ? ["ok", ...flagged] : flagged;
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

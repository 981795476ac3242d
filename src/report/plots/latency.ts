/**
 * Latency against sequence length, log–log: each kernel setting's median time per call with its
 * interquartile band, and its fitted complexity exponent in the legend (`softmax ~ n^1.98`); the
 * fit's table (exponent, RMS, best complexity class) under the figure.
 *
 * @example
 * ```ts
 * import { latencyPlot } from "./latency.ts";
 * latencyPlot(runs)?.data.rows.length; // one row per measured case with a seq_len
 * ```
 * @module
 */
import { fitComplexity } from "../complexity.ts";
import { COLUMN_LINES, lineColour, type Plot, records, seqLenAxis, seriesPoints } from "../plot.ts";
import type { ReportRun } from "../run_data.ts";

/**
 * The plot, or undefined when no measured case has a seq_len.
 *
 * @example
 * ```ts
 * latencyPlot(runs)?.tables?.[0].title; // "complexity fit per line"
 * ```
 */
export function latencyPlot(runs: readonly ReportRun[]): Plot | undefined {
  const points = seriesPoints(runs).filter((p) => p.c.record.median_us !== undefined);
  if (points.length === 0) return undefined;
  const series = [...new Set(points.map((p) => p.series))];
  const fits = new Map(series.map((s) => {
    const line = points.filter((p) => p.series === s);
    return [s, fitComplexity(line.map((p) => ({ n: p.seq_len, time: p.c.record.median_us! })))];
  }));
  const legend = (s: string) => {
    const fit = fits.get(s);
    return fit ? `${s} ~ n^${fit.exponent.toFixed(2)}` : s;
  };
  const rows = points.map((p) => [
    legend(p.series),
    p.seq_len,
    p.c.record.median_us!,
    p.c.record.p25_us ?? null,
    p.c.record.p75_us ?? null,
    p.quality,
    p.config_hash.slice(0, 12),
  ]);
  const columns = ["line", "seq_len", "median_us", "p25_us", "p75_us", "quality", "config_hash"];
  const values = records({ columns, rows });
  const lengths = points.map((p) => p.seq_len);
  const lines = series.length;
  const samples = points.map((p) => p.c.record.samples ?? 0).sort((a, b) => a - b);
  return {
    name: "latency",
    title: "Latency against sequence length",
    caption:
      `Median time per call (line, points) and its interquartile range (band) against sequence length, ` +
      `log–log; ${samples[0]}–${samples.at(-1)} timed samples per case; ` +
      `the exponent k of time ~ n^k is the least-squares slope of log time on log n.`,
    wide: lines > COLUMN_LINES,
    data: { columns, rows },
    tables: [{
      title:
        "complexity fit per line (exponent: log–log slope; best class: smallest RMS, as Google Benchmark's BigO)",
      data: {
        columns: ["line", "points", "exponent", "rms", "best class", "class rms"],
        rows: series.map((s) => {
          const fit = fits.get(s);
          const n = points.filter((p) => p.series === s).length;
          return fit
            ? [s, n, fit.exponent.toFixed(2), pct(fit.rms), `O(${fit.best.name})`, pct(fit.best.rms)]
            : [s, n, "n/a", "n/a", "n/a", "n/a"];
        }),
      },
    }],
    spec: (frame) => ({
      width: frame.width,
      height: frame.height,
      data: { values },
      encoding: { x: seqLenAxis(lengths), color: lineColour(lines) },
      layer: [
        {
          mark: { type: "area", opacity: 0.2 },
          encoding: {
            y: { field: "p25_us", type: "quantitative", scale: { type: "log" } },
            y2: { field: "p75_us" },
          },
        },
        {
          mark: { type: "line", point: true },
          encoding: {
            y: {
              field: "median_us",
              type: "quantitative",
              scale: { type: "log" },
              title: "time per call (µs)",
            },
          },
        },
      ],
    }),
  };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

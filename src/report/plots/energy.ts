/**
 * Energy per call and mean power against sequence length, where the power plugin ran, labelled
 * with the source that measured them; a `mock` source (a constant wattage, not a measurement) is
 * marked as such in the figure itself, so it cannot pass for RAPL or NVML once copied into a
 * paper.
 *
 * @example
 * ```ts
 * import { energyPlot } from "./energy.ts";
 * energyPlot(runs)?.title; // "Energy per call and mean power — source: mock (NOT MEASURED: …)"
 * ```
 * @module
 */
import { lineColour, type Plot, records, seqLenAxis, seriesPoints } from "../plot.ts";
import type { ReportRun } from "../run_data.ts";

/**
 * The plot, or undefined when the power plugin measured no case with a seq_len.
 *
 * @example
 * ```ts
 * energyPlot(runs)?.data.columns; // ["line", "seq_len", "source", "joules_per_call", "mean_watts", "config_hash"]
 * ```
 */
export function energyPlot(runs: readonly ReportRun[]): Plot | undefined {
  const columns = ["line", "seq_len", "source", "joules_per_call", "mean_watts", "config_hash"];
  const rows = seriesPoints(runs).flatMap((p) => {
    const m = p.c.record.metrics?.power;
    if (!m || typeof m.joules_per_call !== "number" || typeof m.mean_watts !== "number") return [];
    return [[
      p.series,
      p.seq_len,
      String(m.source),
      m.joules_per_call,
      m.mean_watts,
      p.config_hash.slice(0, 12),
    ]];
  });
  if (rows.length === 0) return undefined;
  const values = records({ columns, rows });
  const sources = [...new Set(rows.map((r) => r[2] as string))];
  const label = sources.map((s) => (s === "mock" ? "mock (NOT MEASURED: a constant wattage)" : s)).join(", ");
  const notes = runs.flatMap((r) => r.manifest.plugins.filter((p) => p.name === "power" && p.reason))
    .map((p) => p.reason);
  const x = seqLenAxis(rows.map((r) => r[1] as number));
  const color = lineColour(new Set(rows.map((r) => r[0])).size);
  return {
    name: "energy",
    title: `Energy per call and mean power — source: ${label}`,
    caption: `Energy per call (mean power over the timed window × mean time per call) and mean power, per ` +
      `case, from the power plugin's source ${label}` +
      (notes.length > 0 ? `; the plugin noted: ${[...new Set(notes)].join("; ")}` : "") + ".",
    wide: true,
    data: { columns, rows },
    spec: (frame) => ({
      title: `source: ${label}`,
      data: { values },
      hconcat: [
        {
          width: frame.width * 0.4,
          height: frame.height,
          mark: { type: "line", point: true },
          encoding: {
            x,
            y: {
              field: "joules_per_call",
              type: "quantitative",
              scale: { type: "log" },
              title: "energy per call (J)",
            },
            color,
          },
        },
        {
          width: frame.width * 0.4,
          height: frame.height,
          mark: { type: "line", point: true },
          encoding: {
            x,
            y: { field: "mean_watts", type: "quantitative", title: "mean power (W)" },
            color,
          },
        },
      ],
    }),
  };
}

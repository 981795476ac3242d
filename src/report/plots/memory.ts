/**
 * Memory against sequence length, log–log: what the memory plugin measured — the process's peak
 * resident set over the timed window, and the typed-array storage held at its end — beside what
 * the kernel's `memory()` computes (KV cache + activations + temporaries), per kernel setting.
 *
 * @example
 * ```ts
 * import { memoryPlot } from "./memory.ts";
 * memoryPlot(runs)?.data.rows.length; // up to three rows per case
 * ```
 * @module
 */
import {
  COLUMN_LINES,
  LINE_LEGEND,
  lineColour,
  type Plot,
  records,
  seqLenAxis,
  seriesPoints,
} from "../plot.ts";
import type { ReportRun } from "../run_data.ts";

const QUANTITIES = {
  peak: "measured peak RSS",
  buffers: "measured buffers held",
  computed: "computed memory()",
} as const;

/**
 * The plot, or undefined when the memory plugin measured no case with a seq_len.
 *
 * @example
 * ```ts
 * memoryPlot(runs)?.name; // "memory"
 * ```
 */
export function memoryPlot(runs: readonly ReportRun[]): Plot | undefined {
  const columns = ["line", "seq_len", "quantity", "bytes", "config_hash"];
  const rows = seriesPoints(runs).flatMap((p) => {
    const m = p.c.record.metrics?.memory;
    if (!m) return [];
    const num = (key: string) => (typeof m[key] === "number" ? m[key] as number : null);
    const parts = [
      num("computed_kv_cache_bytes"),
      num("computed_activation_bytes"),
      num("computed_temp_buffer_bytes"),
    ];
    const computed = parts.every((x) => x !== null) ? parts.reduce((a, b) => a! + b!, 0) : null;
    const measures: [string, number | null][] = [
      [QUANTITIES.peak, num("measured_peak_rss_bytes")],
      [QUANTITIES.buffers, num("measured_buffer_end_bytes")],
      [QUANTITIES.computed, computed],
    ];
    return measures.filter(([, bytes]) => bytes !== null && bytes > 0)
      .map(([quantity, bytes]) => [p.series, p.seq_len, quantity, bytes, p.config_hash.slice(0, 12)]);
  });
  if (rows.length === 0) return undefined;
  const values = records({ columns, rows });
  const lengths = rows.map((r) => r[1] as number);
  const lines = new Set(rows.map((r) => r[0])).size;
  const methods = [
    ...new Set(runs.flatMap((r) => r.cases.map((c) => c.record.metrics?.memory?.peak_method))),
  ]
    .filter(Boolean).join(", ");
  return {
    name: "memory",
    title: "Measured and computed memory",
    caption: `Peak resident set size over each case's timed window (${methods || "method not recorded"}; ` +
      `it includes the runtime itself) and the typed-array storage held at the window's end, beside the ` +
      `kernel's memory() (KV cache + activations + temporaries), against sequence length, log–log.`,
    wide: lines > COLUMN_LINES,
    data: { columns, rows },
    spec: (frame) => ({
      width: frame.width,
      height: frame.height,
      data: { values },
      mark: { type: "line", point: true },
      encoding: {
        x: seqLenAxis(lengths),
        y: {
          field: "bytes",
          type: "quantitative",
          scale: { type: "log" },
          title: "bytes",
          axis: { format: "~s" },
        },
        // One column of lines: the quantities' legend sits beside it.
        color: { ...lineColour(lines), legend: { ...LINE_LEGEND, columns: 1 } },
        strokeDash: {
          field: "quantity",
          type: "nominal",
          title: null,
          scale: { domain: Object.values(QUANTITIES), range: [[1, 0], [4, 2], [1, 2]] },
          legend: LINE_LEGEND,
        },
        shape: {
          field: "quantity",
          type: "nominal",
          title: null,
          scale: { domain: Object.values(QUANTITIES) },
        },
      },
    }),
  };
}

/**
 * What every plot of the report is: a Vega-Lite spec drawn for a frame (screen or paper), its
 * caption, and the data it draws as a table (shown under the figure, and what tests count).
 *
 * @example
 * ```ts
 * import type { Plot } from "./plot.ts";
 * const plot: Plot = { name: "latency", title: "Latency", caption: "…", wide: false, spec: (f) => ({ … }), data: { columns: ["n"], rows: [[64]] } };
 * ```
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import type { SideCase } from "../compare/run_side.ts";
import type { ReportRun } from "./run_data.ts";

/** The size and type of one drawing: the report page, or a figure for a two-column paper. */
export interface Frame {
  /** `screen` for report.html, `paper` for figures/ (sizes in points). */
  target: "screen" | "paper";
  /** Width of one plot area, and its height. */
  width: number;
  height: number;
  /** Height of one row of a per-case plot. */
  rowHeight: number;
  /** Where legends go: beside on screen, below on paper (in this many columns). */
  legend: "right" | "bottom";
  legendColumns: number;
}

/** A table of the values a plot draws. */
export interface PlotData {
  columns: string[];
  rows: (string | number | null)[][];
}

/** One plot of the report. */
export interface Plot {
  /** File-safe name: `figures/<name>.svg`. */
  name: string;
  title: string;
  /** One line: what it shows and how it was measured. */
  caption: string;
  /** Spans the page (two columns on paper) rather than one column. */
  wide: boolean;
  spec: (frame: Frame) => TopLevelSpec;
  data: PlotData;
  /** Extra tables printed below the figure (a fit, a verdict), if any. */
  tables?: { title: string; data: PlotData }[];
}

/** A line plot with more lines than this takes the whole width: its legend would not fit a column. */
export const COLUMN_LINES = 6;

/** Frames of one column and of the whole width, for each target. */
export const FRAMES = {
  screen: {
    column: { target: "screen", width: 380, height: 250, rowHeight: 14, legend: "right", legendColumns: 1 },
    wide: { target: "screen", width: 640, height: 250, rowHeight: 14, legend: "right", legendColumns: 1 },
  },
  paper: {
    column: { target: "paper", width: 190, height: 120, rowHeight: 7, legend: "bottom", legendColumns: 1 },
    wide: { target: "paper", width: 420, height: 130, rowHeight: 7, legend: "bottom", legendColumns: 2 },
  },
} as const satisfies Record<string, Record<string, Frame>>;

/**
 * The parameters that take more than one value among the runs' measured cases that have them,
 * but `without` (`seq_len` for plots against it): what tells lines apart, in the spec's order.
 *
 * @example
 * ```ts
 * varyingParams(sweepRuns); // ["d"]
 * varyingParams(sweepRuns, ""); // ["seq_len", "d"]
 * ```
 */
export function varyingParams(runs: readonly ReportRun[], without = "seq_len"): string[] {
  const params = runs.flatMap((r) => r.cases.map((c) => c.record.params));
  const order = [...new Set(runs.flatMap((r) => Object.keys(r.manifest.spec.resolved.params ?? {})))];
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  const keys = [...new Set(params.flatMap((p) => Object.keys(p)))].filter((k) => k !== without)
    .sort((a, b) => rank(a) - rank(b));
  return keys.filter((k) => new Set(params.filter((p) => k in p).map((p) => JSON.stringify(p[k]))).size > 1);
}

/**
 * A short name for a kernel's setting: its name and the varying parameters' values (a text value
 * alone, a number or flag with its name).
 *
 * @example
 * ```ts
 * settingLabel("softmax", { seq_len: 64, d: 32 }, ["d"]); // "softmax d=32"
 * settingLabel("mincut", { variant: "reference", lambda: 0.3 }, ["variant", "lambda"]); // "mincut reference lambda=0.3"
 * ```
 */
export function settingLabel(
  kernel: string,
  params: Record<string, unknown>,
  keys: readonly string[],
): string {
  const shown = keys.filter((k) => params[k] !== undefined)
    .map((k) => (typeof params[k] === "string" ? String(params[k]) : `${k}=${String(params[k])}`));
  return [kernel, ...shown].join(" ");
}

/**
 * How each run is named in a plot with several: its runtime where that tells them apart, else
 * its run id; nothing for a single run.
 *
 * @example
 * ```ts
 * runNames([denoRun, bunRun]); // ["deno", "bun"]
 * ```
 */
export function runNames(runs: readonly ReportRun[]): string[] {
  if (runs.length === 1) return [""];
  const runtimes = runs.map((r) => r.manifest.environment.runtime);
  return new Set(runtimes).size === runs.length ? runtimes : runs.map((r) => r.label);
}

/** A measured case placed on the sequence-length axis, with its line's name. */
export interface SeriesPoint {
  c: SideCase;
  series: string;
  seq_len: number;
  config_hash: string;
  quality: string;
}

/**
 * The measured cases that have a numeric `seq_len`, each named by its line: run (when there
 * are several), kernel and the parameters that vary besides `seq_len`.
 *
 * @example
 * ```ts
 * seriesPoints(runs)[0]; // { series: "softmax d=32", seq_len: 64, config_hash: "…", quality: "ok", c: SideCase }
 * ```
 */
export function seriesPoints(runs: readonly ReportRun[]): SeriesPoint[] {
  const names = runNames(runs);
  const keys = varyingParams(runs);
  return runs.flatMap((run, i) =>
    run.cases
      .filter((c) => typeof c.record.params.seq_len === "number")
      .map((c) => ({
        c,
        series: [names[i], settingLabel(c.record.kernel.name, c.record.params, keys)].filter(Boolean).join(
          " ",
        ),
        seq_len: c.record.params.seq_len as number,
        config_hash: c.record.config_hash,
        quality: c.record.quality ?? "ok",
      }))
  );
}

/**
 * A colour scale for `lines` distinct lines: ten well-separated colours, or twenty when needed.
 *
 * @example
 * ```ts
 * lineColours(15); // { scheme: "tableau20" }
 * ```
 */
export function lineColours(lines: number): { scheme: string } {
  return { scheme: lines > 10 ? "tableau20" : "tableau10" };
}

/** Legend symbols drawn as the lines are, not as the faint bands. */
export const LINE_LEGEND = { symbolType: "stroke", symbolOpacity: 1, symbolStrokeWidth: 2 };

/**
 * The x encoding of every plot against sequence length: log base 2, a tick at each length run.
 *
 * @example
 * ```ts
 * seqLenAxis([64, 128, 256]).axis.values; // [64, 128, 256]
 * ```
 */
export function seqLenAxis(lengths: readonly number[]) {
  return {
    field: "seq_len",
    type: "quantitative",
    scale: { type: "log", base: 2 },
    axis: { values: [...new Set(lengths)].sort((a, b) => a - b) },
    title: "sequence length n",
  } as const;
}

/**
 * The colour encoding of the `line` field, for `lines` distinct lines.
 *
 * @example
 * ```ts
 * lineColour(2).scale; // { scheme: "tableau10" }
 * ```
 */
export function lineColour(lines: number) {
  return {
    field: "line",
    type: "nominal",
    title: null,
    legend: LINE_LEGEND,
    scale: lineColours(lines),
  } as const;
}

/**
 * A plot's data table as the objects Vega-Lite reads.
 *
 * @example
 * ```ts
 * records({ columns: ["n", "t"], rows: [[64, 1.5]] }); // [{ n: 64, t: 1.5 }]
 * ```
 */
export function records(data: PlotData): Record<string, string | number | null>[] {
  return data.rows.map((r) => Object.fromEntries(data.columns.map((c, i) => [c, r[i]])));
}

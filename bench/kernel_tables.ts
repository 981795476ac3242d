/**
 * What `bench/kernels.ts` prints, kept apart from what it measures: the cells of its tables, the
 * tables themselves (aligned text or markdown), the wall and device time of the WebGPU columns, and
 * the line naming the adapter each WebGPU figure comes from.
 *
 * @example
 * ```ts
 * import { cellKey, cellText, grid } from "./kernel_tables.ts";
 * const cells = new Map([[cellKey({ n: 512, d: 64 }, "naive-ts"), { status: "unavailable" } as const]]);
 * console.log(grid([naive], cells, { ns: [512], ds: [64], markdown: false }, cellText));
 * ```
 * @module
 */
import type { DeviceInfo } from "../mod.ts";
import type { Implementation } from "./peers/implementation.ts";

/**
 * Single-head attention over `n × d` inputs.
 *
 * @example
 * ```ts
 * const shape: Shape = { n: 512, d: 64 };
 * ```
 */
export interface Shape {
  n: number;
  d: number;
}

/**
 * One measured (or not) cell of the table; `device_median_ns` is the median of the device's own
 * time per call, for a column that reports it (attnbench's WebGPU kernels, with timestamp queries).
 *
 * @example
 * ```ts
 * const cell: Cell = { status: "ok", median_ns: 2e6, gflops: 4.2, error: 3e-7, samples: 60 };
 * ```
 */
export type Cell =
  | {
    status: "ok";
    median_ns: number;
    gflops: number;
    error: number;
    samples: number;
    device_median_ns?: number;
  }
  | { status: "wrong"; error: number; tolerance: number }
  | { status: "slow"; predicted_ms: number }
  | { status: "failed"; reason: string }
  | { status: "unavailable" };

/**
 * Which shapes the tables have rows for, and whether they are written as markdown.
 *
 * @example
 * ```ts
 * const layout: Layout = { ns: [128, 512], ds: [64], markdown: true };
 * ```
 */
export interface Layout {
  ns: number[];
  ds: number[];
  markdown: boolean;
}

/**
 * The key of a column's cell at a shape.
 *
 * @example
 * ```ts
 * cellKey({ n: 512, d: 64 }, "softmax/wasm"); // "512x64:softmax/wasm"
 * ```
 */
export function cellKey(shape: Shape, label: string): string {
  return `${shape.n}x${shape.d}:${label}`;
}

const ms = (ns: number): string => (ns / 1e6).toFixed(3);

function gflopsText(gflops: number): string {
  return gflops >= 100 ? gflops.toFixed(0) : gflops.toPrecision(3);
}

/**
 * A cell in words, for the progress line of each cell.
 *
 * @example
 * ```ts
 * describe({ status: "slow", predicted_ms: 4000 }); // "skipped: predicted 4.0 s per call > --max-call-ms"
 * ```
 */
export function describe(cell: Cell): string {
  switch (cell.status) {
    case "ok": {
      const device = cell.device_median_ns === undefined ? "" : `, device ${ms(cell.device_median_ns)} ms`;
      return `${gflopsText(cell.gflops)} GFLOP/s (median ${
        ms(cell.median_ns)
      } ms${device}, ${cell.samples} samples, err ${cell.error.toExponential(1)})`;
    }
    case "wrong":
      return `✗ wrong output, max abs error ${cell.error.toExponential(2)} > ${cell.tolerance} (not timed)`;
    case "slow":
      return `skipped: predicted ${(cell.predicted_ms / 1000).toFixed(1)} s per call > --max-call-ms`;
    case "failed":
      return `failed: ${cell.reason}`;
    case "unavailable":
      return "unavailable";
  }
}

/**
 * The table text of a cell: GFLOP/s, or a mark (✗ wrong, slow, err, — unavailable).
 *
 * @example
 * ```ts
 * cellText({ status: "ok", median_ns: 2e6, gflops: 4.2, error: 0, samples: 9 }); // "4.20"
 * ```
 */
export function cellText(cell: Cell | undefined): string {
  switch (cell?.status) {
    case "ok":
      return gflopsText(cell.gflops);
    case "wrong":
      return "✗";
    case "slow":
      return "slow";
    case "failed":
      return "err";
    default:
      return "—";
  }
}

/**
 * The table text of a cell's max abs error against the reference, or its mark.
 *
 * @example
 * ```ts
 * errorText({ status: "wrong", error: 0.5, tolerance: 1e-4 }); // "5.0e-1"
 * ```
 */
export function errorText(cell: Cell | undefined): string {
  return cell?.status === "ok" || cell?.status === "wrong" ? cell.error.toExponential(1) : cellText(cell);
}

/**
 * The table text of a cell's median wall time per call and, where the column reports it, its
 * median device time: `"12.345 / 10.002"` (ms), `"12.345 / —"` without a device time.
 *
 * @example
 * ```ts
 * wallAndDeviceText({ status: "ok", median_ns: 2e6, gflops: 4.2, error: 0, samples: 9, device_median_ns: 1.5e6 }); // "2.000 / 1.500"
 * ```
 */
export function wallAndDeviceText(cell: Cell | undefined): string {
  if (cell?.status !== "ok") return cellText(cell);
  return `${ms(cell.median_ns)} / ${cell.device_median_ns === undefined ? "—" : ms(cell.device_median_ns)}`;
}

/**
 * Rows as aligned plain text or as a markdown table.
 *
 * @example
 * ```ts
 * table(["ratio", "value"], [["a / b", "1.20×"]], false);
 * ```
 */
export function table(header: string[], rows: string[][], markdown: boolean): string {
  if (markdown) {
    const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
    const rule = header.map((_, i) => (i === 0 ? "---" : "---:"));
    return [line(header), line(rule), ...rows.map(line)].join("\n");
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

/**
 * A table with a row per shape and a column per implementation, each cell written by `text`.
 *
 * @example
 * ```ts
 * grid(columns, cells, { ns: [512], ds: [64], markdown: false }, errorText);
 * ```
 */
export function grid(
  columns: Implementation[],
  cells: Map<string, Cell>,
  layout: Layout,
  text: (cell: Cell | undefined) => string,
): string {
  const header = ["n × d", ...columns.map((c) => c.label)];
  const rows = layout.ds.flatMap((d) =>
    layout.ns.map((n) => [`${n} × ${d}`, ...columns.map((c) => text(cells.get(cellKey({ n, d }, c.label))))])
  );
  return table(header, rows, layout.markdown);
}

/** The adapter's description and binding, and for a software adapter that it is not a GPU. */
function deviceLabel(info: DeviceInfo): string {
  const adapter = `${info.description || "an adapter without a description"}, ${info.binding}`;
  return info.software ? `${adapter} — software adapter — not a GPU figure` : adapter;
}

/**
 * One line per WebGPU adapter the `columns` ran on: the columns, the adapter's description and
 * binding, and for a software adapter that their figures are not GPU figures.
 *
 * @example
 * ```ts
 * adapterLines(columns); // ["webgpu adapter of softmax/webgpu, ort-webgpu: llvmpipe (...), navigator.gpu (Deno) — software adapter — not a GPU figure"]
 * ```
 */
export function adapterLines(columns: Implementation[]): string[] {
  const byAdapter = new Map<string, string[]>();
  for (const column of columns) {
    const info = column.device?.();
    if (info === undefined) continue;
    const label = deviceLabel(info);
    byAdapter.set(label, [...(byAdapter.get(label) ?? []), column.label]);
  }
  return [...byAdapter].map(([label, labels]) => `webgpu adapter of ${labels.join(", ")}: ${label}`);
}

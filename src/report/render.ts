/**
 * Draws a plot as SVG without a browser: its Vega-Lite spec is compiled to Vega and rendered by
 * Vega's headless view (no canvas, no DOM; the same on Deno, Bun and Node), in the report's
 * theme: DejaVu Sans (shipped with attnbench, so figures look the same everywhere), sizes for the
 * screen or for a two-column paper.
 *
 * @example
 * ```ts
 * import { renderPlot } from "./render.ts";
 * const svg = await renderPlot(plot, "screen"); // "<svg … viewBox=…>…</svg>"
 * ```
 * @module
 */
import { Error as LOG_ERRORS_ONLY, parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { type Frame, FRAMES, type Plot } from "./plot.ts";

/** The font every figure is drawn in (see rasterise.ts for where it comes from). */
export const FONT_FAMILY = "DejaVu Sans";

/**
 * The plot's SVG for a target; on paper, its size is in points (1 unit = 1 pt), so it lands in
 * a two-column paper at its natural size.
 *
 * @example
 * ```ts
 * (await renderPlot(plot, "paper")).startsWith("<svg"); // true
 * ```
 */
export async function renderPlot(plot: Plot, target: Frame["target"]): Promise<string> {
  const frame = FRAMES[target][plot.wide ? "wide" : "column"];
  const spec = { ...plot.spec(frame), config: theme(frame) } as TopLevelSpec;
  const view = new View(parse(compile(spec, { logger: QUIET }).spec), {
    renderer: "none",
    logLevel: LOG_ERRORS_ONLY,
  });
  const svg = await view.toSVG();
  view.finalize();
  return target === "paper"
    ? svg.replace(/^<svg([^>]*?) width="([\d.]+)" height="([\d.]+)"/, '<svg$1 width="$2pt" height="$3pt"')
    : svg;
}

/**
 * Vega-Lite's logger, silenced: its warnings are about layout guesses, not data, and a report
 * prints nothing but its paths; an error still throws.
 */
const QUIET = {
  level: () => QUIET,
  info: () => QUIET,
  warn: () => QUIET,
  debug: () => QUIET,
  error: (...args: unknown[]) => {
    throw new Error(args.join(" "));
  },
};

function theme(frame: Frame): Record<string, unknown> {
  const paper = frame.target === "paper";
  const label = paper ? 7 : 11;
  const title = paper ? 8 : 12;
  return {
    font: FONT_FAMILY,
    background: "white",
    padding: paper ? 2 : 5,
    axis: {
      labelFontSize: label,
      titleFontSize: title,
      titleFontWeight: "normal",
      labelLimit: paper ? 120 : 260,
    },
    header: { labelFontSize: label, titleFontSize: title },
    legend: {
      labelFontSize: label,
      titleFontSize: title,
      orient: frame.legend,
      labelLimit: paper ? 200 : 0,
      symbolSize: paper ? 30 : 80,
      ...(frame.legend === "bottom" ? { direction: "vertical", columns: frame.legendColumns } : {}),
    },
    title: { fontSize: title + 1, fontWeight: "bold", anchor: "start" },
    text: { fontSize: label },
    view: { stroke: "#ccc" },
    line: { strokeWidth: paper ? 1 : 2 },
    point: { size: paper ? 12 : 40 },
  };
}

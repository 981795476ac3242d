/**
 * Figures for papers: a plot's SVG made independent of the viewer's fonts (every glyph turned
 * into a path, drawn from DejaVu Sans, which attnbench ships through the `dejavu-fonts-ttf`
 * package) and rasterised to PNG, by resvg compiled to WebAssembly (`@resvg/resvg-wasm`), so
 * the same bytes come out on Deno, Bun and Node, with no native module and no system font.
 *
 * @example
 * ```ts
 * import { paperFigure } from "./rasterise.ts";
 * const { svg, png } = await paperFigure(await renderPlot(plot, "paper"));
 * ```
 * @module
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import { initWasm, Resvg } from "@resvg/resvg-wasm";
import { FONT_FAMILY } from "./render.ts";

/** Resolution of the PNGs: 300 dots per inch (a plot unit is a point, 1/72 in). */
export const PNG_DPI = 300;

const FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"];

let ready: Promise<Uint8Array[]> | undefined;

/** Loads resvg's WebAssembly and the fonts once per process. */
function load(): Promise<Uint8Array[]> {
  ready ??= (async () => {
    const require = createRequire(import.meta.url);
    await initWasm(fs.readFileSync(require.resolve("@resvg/resvg-wasm/index_bg.wasm")));
    return FONT_FILES.map((name) =>
      new Uint8Array(fs.readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${name}`)))
    );
  })();
  return ready;
}

/**
 * The SVG with its text as paths, and a PNG at {@link PNG_DPI}.
 *
 * @example
 * ```ts
 * (await paperFigure(svg)).svg.includes("<text"); // false
 * ```
 */
export async function paperFigure(svg: string): Promise<{ svg: string; png: Uint8Array }> {
  const fontBuffers = await load();
  const font = { fontBuffers, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY };
  const outlines = new Resvg(svg, { font });
  // resvg writes the size in pixels (1 pt = 4/3 px); give it back in points, as the plot was drawn.
  const paths = outlines.toString().replace(
    /^<svg width="[^"]*" height="[^"]*" viewBox="0 0 ([\d.]+) ([\d.]+)"/,
    '<svg width="$1pt" height="$2pt" viewBox="0 0 $1 $2"',
  );
  outlines.free();
  // resvg reads the plot's points as CSS pixels at 96 per inch: zoom to PNG_DPI from there.
  const raster = new Resvg(svg, { font, fitTo: { mode: "zoom", value: PNG_DPI / 96 }, background: "white" });
  const png = raster.render().asPng();
  raster.free();
  return { svg: paths, png };
}

/**
 * Plain-text tables for the terminal: left-aligned columns separated by two spaces. Imports
 * nothing, so the CLI and plugins (the study's verdict) can both use it.
 *
 * @example
 * ```ts
 * import { formatTable } from "./text_table.ts";
 * console.log(formatTable(["kernel", "median_us"], [["softmax", "52.1"]]));
 * ```
 * @module
 */

/**
 * Left-aligned columns separated by two spaces.
 *
 * @example
 * ```ts
 * formatTable(["a", "b"], [["1", "22"]]); // "a  b \n1  22"
 * ```
 */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/**
 * CSV text from columns and rows (RFC 4180 quoting by csv-stringify; LF line ends, no BOM).
 *
 * @example
 * ```ts
 * import { toCsv } from "./csv.ts";
 * toCsv(["a", "b"], [["x,y", 1]]); // 'a,b\n"x,y",1\n'
 * ```
 * @module
 */
import { stringify } from "csv-stringify/sync";
import type { MetricValue } from "../contracts.ts";

/**
 * Header plus rows; `null` cells are empty, booleans are `true`/`false`.
 *
 * @example
 * ```ts
 * toCsv(["ok"], [[true], [null]]); // "ok\ntrue\n\n"
 * ```
 */
export function toCsv(columns: readonly string[], rows: readonly (readonly MetricValue[])[]): string {
  return stringify([columns as string[], ...(rows as MetricValue[][])], {
    cast: { boolean: (value) => String(value), number: (value) => String(value) },
    record_delimiter: "unix",
  });
}

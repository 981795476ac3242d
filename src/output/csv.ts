/**
 * CSV text from columns and rows (RFC 4180 quoting by csv-stringify; LF line ends, no BOM), safe
 * to open in a spreadsheet: a text cell that a spreadsheet would read as a formula (it begins with
 * `=`, `+`, `-`, `@`, a tab or a carriage return, as OWASP's CSV-injection guide lists) gets a
 * leading `'`, which spreadsheets show as text. Numbers stay numbers (`-0.24` is written as is),
 * and so does text that is exactly a number. {@link restoreCell} undoes it on reading.
 *
 * @example
 * ```ts
 * import { toCsv } from "./csv.ts";
 * toCsv(["a", "b"], [["x,y", 1]]); // 'a,b\n"x,y",1\n'
 * toCsv(["f"], [["=HYPERLINK(1)"]]); // "f\n'=HYPERLINK(1)\n"
 * ```
 * @module
 */
import { stringify } from "csv-stringify/sync";
import type { MetricValue } from "../contracts.ts";

/** Text a spreadsheet would evaluate, after any quotes already neutralising it. */
const FORMULA = /^'*[=+\-@\t\r]/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Header plus rows (rows alone with `header: false`, to append); `null` cells are empty, booleans
 * are `true`/`false`, formula-like text is neutralised.
 *
 * @example
 * ```ts
 * toCsv(["ok"], [[true], [null]]); // "ok\ntrue\n\n"
 * ```
 */
export function toCsv(
  columns: readonly string[],
  rows: readonly (readonly MetricValue[])[],
  options: { header?: boolean } = {},
): string {
  const records = options.header === false ? rows : [columns, ...rows];
  return stringify(records as MetricValue[][], {
    cast: {
      boolean: (value) => String(value),
      number: (value) => String(value),
      string: (value) => neutralizeCell(value),
    },
    record_delimiter: "unix",
  });
}

/**
 * A text cell as written: `'` prepended when a spreadsheet would take it for a formula (and to a
 * cell that already begins with such quotes, so {@link restoreCell} is its exact inverse).
 *
 * @example
 * ```ts
 * neutralizeCell("-cmd|' /C calc'!A0"); // "'-cmd|' /C calc'!A0"
 * neutralizeCell("-0.24"); // "-0.24"
 * ```
 */
export function neutralizeCell(text: string): string {
  return FORMULA.test(text) && !NUMBER.test(text) ? `'${text}` : text;
}

/**
 * A cell as read back: the inverse of {@link neutralizeCell}.
 *
 * @example
 * ```ts
 * restoreCell("'=1+1"); // "=1+1"
 * ```
 */
export function restoreCell(cell: string): string {
  return cell.startsWith("'") && FORMULA.test(cell) && !NUMBER.test(cell.slice(1)) ? cell.slice(1) : cell;
}

/**
 * Reading the CSVs a run wrote, in tests.
 *
 * @example
 * ```ts
 * import { readCsv } from "./csv.ts";
 * readCsv("out/results.csv")[0].config_hash;
 * ```
 * @module
 */
import fs from "node:fs";
import { parse } from "csv-parse/sync";

/**
 * The rows of a CSV file as objects keyed by its header, every cell as written.
 *
 * @example
 * ```ts
 * readCsv(path.join(outputDir, "results.csv")).map((row) => row.quality);
 * ```
 */
export function readCsv(file: string): Record<string, string>[] {
  return parse(fs.readFileSync(file, "utf8"), { columns: true });
}

/**
 * `results.csv-metadata.json`: a W3C CSV on the Web (CSVW) description of results.csv, written
 * beside it — every column's name, datatype, unit and meaning, and who writes it. The name is the
 * one CSVW processors look for next to `results.csv`; a person or a loader reads the same file.
 *
 * @example
 * ```ts
 * import { csvwMetadata } from "./csvw.ts";
 * csvwMetadata(columns).tableSchema.columns[0]; // { name: "config_hash", titles: "config_hash", datatype: "string", ... }
 * ```
 * @module
 */
import type { ColumnDescription } from "./column_types.ts";

/** File name of the description, beside results.csv. */
export const METADATA_FILE = "results.csv-metadata.json";

/** One column as CSVW states it. */
export interface CsvwColumn {
  name: string;
  titles: string;
  datatype: string;
  "dc:description": string;
  "dc:source": string;
  "schema:unitText"?: string;
}

/** The metadata document. */
export interface CsvwMetadata {
  "@context": "http://www.w3.org/ns/csvw";
  url: "results.csv";
  "dc:description": string;
  tableSchema: { columns: CsvwColumn[]; primaryKey: string[] };
}

/**
 * The CSVW description of a results.csv with these columns.
 *
 * @example
 * ```ts
 * csvwMetadata([{ name: "gflops", type: "double", unit: "GFLOP/s", description: "…", source: "core" }]).url; // "results.csv"
 * ```
 */
export function csvwMetadata(columns: readonly ColumnDescription[]): CsvwMetadata {
  return {
    "@context": "http://www.w3.org/ns/csvw",
    url: "results.csv",
    "dc:description":
      "attnbench results: one row per measured case; an empty cell is a missing value (a parameter the case's kernel lacks, a metric not measured)",
    tableSchema: {
      columns: columns.map((c) => ({
        name: c.name,
        titles: c.name,
        datatype: c.type,
        "dc:description": c.description,
        "dc:source": c.source,
        ...(c.unit ? { "schema:unitText": c.unit } : {}),
      })),
      primaryKey: ["config_hash"],
    },
  };
}

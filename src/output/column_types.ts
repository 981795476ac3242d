/**
 * The type of a results.csv column and how a value of it is written, so that one column keeps
 * one type across runs and runtimes: doubles always carry a decimal point (`1.0`, never `1`),
 * integers never do, booleans are `true`/`false`, a missing value is an empty cell. Types are
 * CSVW / XSD datatype names, as `results.csv-metadata.json` states them.
 *
 * @example
 * ```ts
 * import { formatCell } from "./column_types.ts";
 * formatCell(1, "double"); // "1.0"
 * formatCell(0.25, "double"); // "0.25"
 * formatCell(12, "integer"); // 12
 * ```
 * @module
 */
import type { MetricDescription, MetricValue } from "../contracts.ts";

/** A column's datatype. */
export type ColumnType = MetricDescription["type"];

/** One results.csv column: what it holds and who writes it. */
export interface ColumnDescription {
  name: string;
  type: ColumnType;
  /** Unit of a number (`us`, `bytes`, `W`, `ratio`), where it has one. */
  unit?: string;
  description: string;
  /** `core`, `parameter`, or `plugin <name>`. */
  source: string;
}

/**
 * A value as its column's type writes it; a double that is a whole number gets `.0`.
 *
 * @example
 * ```ts
 * formatCell(null, "double"); // null
 * formatCell(-3, "double"); // "-3.0"
 * ```
 */
export function formatCell(value: MetricValue | undefined, type: ColumnType): MetricValue {
  if (value === undefined || value === null) return null;
  if (type === "double" && typeof value === "number" && Number.isInteger(value) && Math.abs(value) < 1e21) {
    return value.toFixed(1);
  }
  return value;
}

/**
 * The type that holds every value seen (for columns nobody declared): numbers are doubles (an
 * integer-looking first run must not make a later fractional one change the type), booleans
 * booleans, anything mixed text.
 *
 * @example
 * ```ts
 * inferColumnType([1, 2]); // "double"
 * inferColumnType([true, null]); // "boolean"
 * inferColumnType([1, "a"]); // "string"
 * ```
 */
export function inferColumnType(values: readonly unknown[]): ColumnType {
  const kinds = new Set(values.filter((x) => x !== null && x !== undefined).map((x) => typeof x));
  if (kinds.size === 1 && kinds.has("number")) return "double";
  if (kinds.size === 1 && kinds.has("boolean")) return "boolean";
  return kinds.size === 0 ? "double" : "string";
}

/** The parts of a valibot schema the type is read from. */
interface SchemaNode {
  type?: string;
  wrapped?: SchemaNode;
  pipe?: { type?: string }[];
  options?: unknown[];
}

/**
 * The column type of a kernel parameter from its valibot schema: a number with `v.integer()` is
 * an integer, another number a double, a boolean a boolean, anything else (picklists, strings,
 * unions) text.
 *
 * @example
 * ```ts
 * schemaColumnType(v.optional(v.pipe(v.number(), v.integer()), 2)); // "integer"
 * schemaColumnType(v.picklist(["scalar", "wasm"])); // "string"
 * ```
 */
export function schemaColumnType(schema: unknown): ColumnType {
  let node = schema as SchemaNode | undefined;
  while (
    node && node.wrapped && ["optional", "nullable", "nullish", "exact_optional"].includes(node.type ?? "")
  ) {
    node = node.wrapped;
  }
  if (node?.type === "number") {
    return node.pipe?.some((action) => action.type === "integer" || action.type === "safe_integer")
      ? "integer"
      : "double";
  }
  if (node?.type === "boolean") return "boolean";
  return "string";
}

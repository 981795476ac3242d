/**
 * A valibot options schema in words, as `attnbench plugins` lists it: every entry with its type
 * and default, nested objects as `outer.inner`.
 *
 * @example
 * ```ts
 * import { optionList } from "./schema_options.ts";
 * optionList(v.object({ samples: v.optional(v.boolean(), true) })); // ["samples (boolean, default true)"]
 * ```
 * @module
 */
import * as v from "valibot";

/** A valibot schema seen from outside: enough to list its entries and their defaults. */
interface SchemaLike {
  type: string;
  expects: string;
  entries?: Record<string, SchemaLike>;
  wrapped?: SchemaLike;
}

/**
 * `name (type, default x)` for every entry of an object schema.
 *
 * @example
 * ```ts
 * optionList(powerOptions).includes('interval_ms (number, default 10)'); // true
 * ```
 */
export function optionList(schema: unknown, prefix = ""): string[] {
  const like = schema as SchemaLike;
  return Object.entries(like.entries ?? {}).flatMap(([key, entry]) => {
    const inner = entry.type === "optional" && entry.wrapped ? entry.wrapped : entry;
    if (inner.entries) return optionList(inner, `${prefix}${key}.`);
    const fallback = v.getDefault(entry as unknown as v.GenericSchema);
    const type = inner.expects.toLowerCase();
    return [
      `${prefix}${key} (${type}${fallback === undefined ? "" : `, default ${JSON.stringify(fallback)}`})`,
    ];
  });
}

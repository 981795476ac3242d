/**
 * `attnbench plugins`: the built-in profiler plugins and power sources, their options with
 * defaults, and whether each can run on this machine — and, where not, why (each one's own
 * `detect` decides, with default options).
 *
 * @example
 * ```ts
 * import { formatPlugins } from "./plugins_command.ts";
 * console.log(await formatPlugins());
 * // Profiler plugins (plugins: in a spec)
 * //   latency  available
 * //     per-sample latency (µs) and p50/p95/p99, ...
 * //     options: samples (boolean, default true)
 * // ...
 * ```
 * @module
 */
import path from "node:path";
import process from "node:process";
import * as v from "valibot";
import type { Availability, HostContext, ProfilerDefinition } from "../contracts.ts";
import { describe } from "../errors.ts";
import { runtimeInfo } from "../runtime.ts";
import { builtinProfilers } from "../../plugins/mod.ts";
import { powerOptions } from "../../plugins/power/options.ts";
import { builtinPowerSources, probeSource } from "../../plugins/power/sources/mod.ts";

/** A valibot schema seen from outside: enough to list its entries and their defaults. */
interface SchemaLike {
  type: string;
  expects: string;
  entries?: Record<string, SchemaLike>;
  wrapped?: SchemaLike;
}

/**
 * The text `attnbench plugins` prints.
 *
 * @example
 * ```ts
 * (await formatPlugins()).includes("power sources"); // true
 * ```
 */
export async function formatPlugins(): Promise<string> {
  const host: HostContext = {
    env: runtimeInfo(),
    outputDir: path.resolve("results"),
    specDir: process.cwd(),
  };
  const lines = ["Profiler plugins (plugins: in a spec)", ""];
  const width = Math.max(...Object.keys(builtinProfilers).map((n) => n.length));
  for (const [name, definition] of Object.entries(builtinProfilers)) {
    lines.push(
      `  ${name.padEnd(width)}  ${describeAvailability(await profilerAvailability(definition, host))}`,
    );
    if (definition.description) lines.push(`    ${definition.description}`);
    const options = definition.options ? optionList(definition.options as unknown as SchemaLike) : [];
    lines.push(`    options: ${options.length > 0 ? options.join(", ") : "none"}`, "");
  }
  lines.push(
    "Power sources (power: { source: NAME }; also a path or package exporting definePowerSource(...), or a function of source_options returning one)",
    "",
  );
  const defaults = v.parse(powerOptions, {});
  const all = optionList(powerOptions as unknown as SchemaLike);
  for (const [name, source] of Object.entries(builtinPowerSources)) {
    const available = await probeSource({ kind: "builtin", name }, defaults).catch((err) =>
      `detect failed: ${describe(err)}`
    );
    lines.push(`  ${name.padEnd(width)}  ${describeAvailability(available)}`, `    ${source.description}`);
    const own = all.filter((option) =>
      source.optionKeys.some((key) => option.startsWith(`${key} `) || option.startsWith(`${key}.`))
    );
    lines.push(`    options (under power:): ${own.join(", ")}`, "");
  }
  return lines.join("\n").trimEnd();
}

/** What a profiler's `detect` says here with its default options. */
async function profilerAvailability(
  // deno-lint-ignore no-explicit-any
  definition: ProfilerDefinition<any, any>,
  host: HostContext,
): Promise<Availability> {
  const parsed = definition.options
    ? v.safeParse(definition.options, {})
    : { success: true as const, output: {} };
  if (!parsed.success) return `needs options: ${parsed.issues.map((i) => i.message).join("; ")}`;
  try {
    return (await definition.detect?.(host.env, parsed.output, host)) ?? true;
  } catch (err) {
    return `detect failed: ${describe(err)}`;
  }
}

function describeAvailability(available: Availability): string {
  if (available === true) return "available";
  if (typeof available === "string") return `unavailable: ${available}`;
  return `available (${available.note})`;
}

/** `name (type, default x)` for every entry, nested objects as `outer.inner`. */
function optionList(schema: SchemaLike, prefix = ""): string[] {
  return Object.entries(schema.entries ?? {}).flatMap(([key, entry]) => {
    const inner = entry.type === "optional" && entry.wrapped ? entry.wrapped : entry;
    if (inner.entries) return optionList(inner, `${prefix}${key}.`);
    const fallback = v.getDefault(entry as unknown as v.GenericSchema);
    const type = inner.expects.toLowerCase();
    return [
      `${prefix}${key} (${type}${fallback === undefined ? "" : `, default ${JSON.stringify(fallback)}`})`,
    ];
  });
}

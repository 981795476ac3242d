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
import { registeredCatalog, registeredProfilers } from "../registry.ts";
import { runtimeInfo } from "../runtime.ts";
import { optionList } from "../schema_options.ts";

/**
 * The text `attnbench plugins` prints: the registered profilers, then each catalog section a
 * built-in contributes (the power sources).
 *
 * @example
 * ```ts
 * (await formatPlugins()).includes("Power sources"); // true
 * ```
 */
export async function formatPlugins(): Promise<string> {
  const host: HostContext = {
    env: runtimeInfo(),
    outputDir: path.resolve("results"),
    specDir: process.cwd(),
  };
  const profilers = registeredProfilers();
  const lines = ["Profiler plugins (plugins: in a spec)", ""];
  const width = Math.max(...Object.keys(profilers).map((n) => n.length));
  for (const [name, definition] of Object.entries(profilers)) {
    lines.push(
      `  ${name.padEnd(width)}  ${describeAvailability(await profilerAvailability(definition, host))}`,
    );
    if (definition.description) lines.push(`    ${definition.description}`);
    const options = definition.options ? optionList(definition.options) : [];
    lines.push(`    options: ${options.length > 0 ? options.join(", ") : "none"}`, "");
  }
  for (const section of registeredCatalog()) {
    lines.push(section.title, "");
    for (const entry of await section.entries()) {
      lines.push(
        `  ${entry.name.padEnd(width)}  ${describeAvailability(entry.availability)}`,
        `    ${entry.description}`,
        `    ${section.optionsLabel}: ${entry.options.join(", ")}`,
        "",
      );
    }
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

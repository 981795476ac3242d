/**
 * Built-in profiler plugins by the name a spec uses in `plugins:`.
 *
 * @example
 * ```ts
 * import { builtinProfilers } from "./mod.ts";
 * builtinProfilers.latency.apiVersion; // 1
 * ```
 * @module
 */
import type { ProfilerDefinition } from "../src/contracts.ts";
import latency from "./latency/mod.ts";

/** Every built-in profiler, by name. */
// deno-lint-ignore no-explicit-any
export const builtinProfilers: Record<string, ProfilerDefinition<any, any>> = {
  latency,
};

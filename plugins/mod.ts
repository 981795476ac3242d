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
import type { ProfilerDefinition } from "../plugin_kit.ts";
import coherence from "./coherence/mod.ts";
import latency from "./latency/mod.ts";
import memory from "./memory/mod.ts";
import mincutStudy from "./mincut_study/mod.ts";
import power from "./power/mod.ts";

/** Every built-in profiler, by name. */
// deno-lint-ignore no-explicit-any
export const builtinProfilers: Record<string, ProfilerDefinition<any, any>> = {
  latency,
  memory,
  power,
  coherence,
  "mincut-study": mincutStudy,
};

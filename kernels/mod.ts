/**
 * Built-in kernels by the name a spec uses in `kernel:` or `baseline:`.
 *
 * @example
 * ```ts
 * import { builtinKernels } from "./mod.ts";
 * builtinKernels.softmax.version; // "1.0.0"
 * ```
 * @module
 */
import type { KernelDefinition } from "../plugin_kit.ts";
import flash from "./flash.ts";
import mincut from "./mincut.ts";
import multihead from "./multihead.ts";
import softmax from "./softmax.ts";
import window from "./window.ts";

/** Every built-in kernel, by name. */
// deno-lint-ignore no-explicit-any
export const builtinKernels: Record<string, KernelDefinition<any>> = {
  softmax,
  flash,
  window,
  multihead,
  mincut,
};

/**
 * The keys each kind of definition may have, and the check that names a stray one with the key
 * it most likely meant (`stpo` → `stop`), so a typo fails where the definition is loaded instead
 * of every case failing later with `instance.stop is not a function`.
 *
 * @example
 * ```ts
 * import { PROFILER_HOOKS, strayKeys } from "./definition_keys.ts";
 * strayKeys({ stpo() {} }, PROFILER_HOOKS); // ['"stpo" (did you mean "stop"?)']
 * ```
 * @module
 */
import { closest, distance } from "fastest-levenshtein";

/** Keys of a kernel definition (defineKernel). */
export const KERNEL_KEYS: readonly string[] = [
  "name",
  "version",
  "description",
  "params",
  "shape",
  "flops",
  "memory",
  "available",
  "prepare",
];

/** Keys of a profiler definition (defineProfiler). */
export const PROFILER_KEYS: readonly string[] = [
  "name",
  "apiVersion",
  "description",
  "options",
  "checkOptions",
  "checkCases",
  "metrics",
  "detect",
  "create",
];

/** Hooks a profiler instance (what `create` returns) may have. */
export const PROFILER_HOOKS: readonly string[] = [
  "setup",
  "start",
  "stop",
  "sample",
  "tables",
  "report",
  "teardown",
];

/** Keys of a power source (definePowerSource). */
export const POWER_SOURCE_KEYS: readonly string[] = [
  "name",
  "detect",
  "readEnergyJoules",
  "readWatts",
  "close",
];

/**
 * The keys of `value` that `allowed` does not list, each with its likely intended key where one
 * is close (edit distance at most 2, or a third of the key's length).
 *
 * @example
 * ```ts
 * strayKeys({ name: "k", flop: () => 1 }, KERNEL_KEYS); // ['"flop" (did you mean "flops"?)']
 * ```
 */
export function strayKeys(value: object, allowed: readonly string[]): string[] {
  return Object.keys(value).filter((key) => !allowed.includes(key)).map((key) =>
    `"${key}"${meant(key, allowed)}`
  );
}

/**
 * ` (did you mean "x"?)` when one of `known` is within an edit distance of 2 (or a third of the
 * word's length) of `word`, else `""`.
 *
 * @example
 * ```ts
 * meant("sofmax", ["softmax", "flash"]); // ' (did you mean "softmax"?)'
 * ```
 */
export function meant(word: string, known: readonly string[]): string {
  if (known.length === 0) return "";
  const guess = closest(word, known as string[]);
  return distance(word, guess) <= Math.max(2, Math.floor(word.length / 3))
    ? ` (did you mean "${guess}"?)`
    : "";
}

/**
 * One sentence for the stray keys of a definition, or `undefined` when there are none.
 *
 * @example
 * ```ts
 * strayKeysProblem({ stpo() {} }, PROFILER_HOOKS, "hook"); // 'unknown hook "stpo" (did you mean "stop"?); expected only setup, start, …'
 * ```
 */
export function strayKeysProblem(
  value: object,
  allowed: readonly string[],
  what: string,
): string | undefined {
  const stray = strayKeys(value, allowed);
  if (stray.length === 0) return undefined;
  return `unknown ${what}${stray.length > 1 ? "s" : ""} ${stray.join(", ")}; expected only ${
    allowed.join(", ")
  }`;
}

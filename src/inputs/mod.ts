/**
 * Built-in input generators by name.
 *
 * @example
 * ```ts
 * import { inputGenerators } from "./mod.ts";
 * Object.keys(inputGenerators); // ["normal", "lcg", "constant", "identity"]
 * ```
 * @module
 */
import type { InputGenerator } from "./generator.ts";
import { normalGenerator } from "./normal.ts";
import { lcgGenerator } from "./lcg.ts";
import { constantGenerator, identityGenerator } from "./fixed.ts";

export type { InputGenerator } from "./generator.ts";
export { defineGenerator } from "./generator.ts";

/** Every built-in generator, by the name a spec uses in `inputs.generator`. */
// deno-lint-ignore no-explicit-any
export const inputGenerators: Record<string, InputGenerator<any>> = {
  normal: normalGenerator,
  lcg: lcgGenerator,
  constant: constantGenerator,
  identity: identityGenerator,
};

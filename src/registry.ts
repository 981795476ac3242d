/**
 * The built-in kernels, profilers and catalog sections the core knows by name — registered from
 * above (`builtins.ts` at the package's root), never imported by the core: the core stands alone,
 * and the built-ins are composed with it the way a third party's would be.
 *
 * @example
 * ```ts
 * import { registerBuiltins, registeredKernels } from "./registry.ts";
 * registerBuiltins({ kernels: { softmax } });
 * Object.keys(registeredKernels()); // ["softmax"]
 * ```
 * @module
 */
import type { Availability, KernelDefinition, ProfilerDefinition } from "./contracts.ts";

/** One entry `attnbench plugins` lists under a catalog section (e.g. a power source). */
export interface CatalogEntry {
  name: string;
  description: string;
  /** What its own detection says on this machine. */
  availability: Availability;
  /** Its options, as `name (type, default x)`. */
  options: string[];
}

/** A section of `attnbench plugins` beyond the profilers, contributed by a built-in. */
export interface CatalogSection {
  title: string;
  /** How each entry's options line begins, e.g. `options (under power:)`. */
  optionsLabel: string;
  entries(): Promise<CatalogEntry[]>;
}

/** What the built-ins bring. */
export interface Builtins {
  // deno-lint-ignore no-explicit-any
  kernels: Record<string, KernelDefinition<any>>;
  // deno-lint-ignore no-explicit-any
  profilers: Record<string, ProfilerDefinition<any, any>>;
  catalog: CatalogSection[];
}

const registry: Builtins = { kernels: {}, profilers: {}, catalog: [] };

/**
 * Adds built-ins (called once, by `builtins.ts`, when an entry point imports it).
 *
 * @example
 * ```ts
 * registerBuiltins({ profilers: { latency } });
 * ```
 */
export function registerBuiltins(builtins: Partial<Builtins>): void {
  Object.assign(registry.kernels, builtins.kernels);
  Object.assign(registry.profilers, builtins.profilers);
  registry.catalog.push(...(builtins.catalog ?? []));
}

/**
 * The registered kernels, by name.
 *
 * @example
 * ```ts
 * Object.hasOwn(registeredKernels(), "softmax"); // true once builtins.ts is loaded
 * ```
 */
// deno-lint-ignore no-explicit-any
export function registeredKernels(): Readonly<Record<string, KernelDefinition<any>>> {
  return registry.kernels;
}

/**
 * The registered profilers, by name.
 *
 * @example
 * ```ts
 * Object.keys(registeredProfilers()); // ["latency", "memory", "power", "coherence", "mincut-study"]
 * ```
 */
// deno-lint-ignore no-explicit-any
export function registeredProfilers(): Readonly<Record<string, ProfilerDefinition<any, any>>> {
  return registry.profilers;
}

/**
 * The registered catalog sections, in registration order.
 *
 * @example
 * ```ts
 * registeredCatalog().map((s) => s.title); // ["Power sources (…)"]
 * ```
 */
export function registeredCatalog(): readonly CatalogSection[] {
  return registry.catalog;
}

/**
 * Resolves the kernels and profiler plugins a spec names: built-ins by name, others by relative
 * path or package. Every failure is a located {@link SpecError}.
 *
 * @example
 * ```ts
 * import { resolveKernel, resolvePlugins } from "./resolve.ts";
 * const kernel = await resolveKernel(loaded, "softmax", ["kernel"]);
 * const plugins = await resolvePlugins(loaded);
 * ```
 * @module
 */
import * as v from "valibot";
import type { KernelDefinition, Origin, ProfilerDefinition } from "./contracts.ts";
import { SpecError } from "./errors.ts";
import {
  classifyReference,
  findPackage,
  importReference,
  InvalidReference,
  ReferenceNotFound,
  resolveReference,
} from "./modules.ts";
import { issueToError } from "./spec/issues.ts";
import type { LoadedSpec } from "./spec/load.ts";
import type { FieldPath } from "./spec/yaml_source.ts";
import { registeredKernels, registeredProfilers } from "./registry.ts";
import { KERNEL_KEYS, meant, PROFILER_KEYS, strayKeysProblem } from "./definition_keys.ts";
import { loadFailure } from "./load_error.ts";

/** A kernel named by the spec. */
export interface ResolvedKernel {
  ref: string;
  origin: Origin;
  // deno-lint-ignore no-explicit-any
  definition: KernelDefinition<any>;
}

/** A profiler plugin named by the spec, with validated options. */
export interface ResolvedPlugin {
  ref: string;
  origin: Origin;
  // deno-lint-ignore no-explicit-any
  definition: ProfilerDefinition<any, any>;
  options: unknown;
  /** Position in the spec's plugin list. */
  index: number;
  /** The npm package it was loaded from, for a package reference. */
  package?: PackageVersion;
}

/** Name and version of an installed package (version `null` when its package.json has none). */
export interface PackageVersion {
  name: string;
  version: string | null;
}

/**
 * Whether `ref` names a built-in kernel (resolved without importing anything).
 *
 * @example
 * ```ts
 * isBuiltinKernel("softmax"); // true
 * isBuiltinKernel("./my_kernel.ts"); // false
 * ```
 */
export function isBuiltinKernel(ref: string): boolean {
  return Object.hasOwn(registeredKernels(), ref);
}

/**
 * The kernel named `ref` at spec field `at` (`["kernel"]`, `["kernel", 1]` or `["baseline"]`).
 *
 * @example
 * ```ts
 * (await resolveKernel(loaded, "softmax", ["kernel"])).definition.name; // "softmax"
 * ```
 */
export async function resolveKernel(loaded: LoadedSpec, ref: string, at: FieldPath): Promise<ResolvedKernel> {
  const builtin = isBuiltinKernel(ref) ? registeredKernels()[ref] : undefined;
  if (builtin) return { ref, origin: "builtin", definition: builtin };
  const mod = await importModule(loaded, ref, at, "kernel", Object.keys(registeredKernels()));
  const definition = (mod.default ?? mod.kernel) as KernelDefinition | undefined;
  const problem = kernelShapeProblem(definition) ?? strayKeysProblem(definition!, KERNEL_KEYS, "key");
  if (problem) {
    throw new SpecError(
      "SPEC_KERNEL_INVALID",
      `"${ref}" is not a kernel: ${problem}`,
      loaded.source.locate(at),
    );
  }
  return { ref, origin: classifyReference(ref), definition: definition! };
}

/**
 * Every plugin of the spec, options validated against each plugin's schema.
 *
 * @example
 * ```ts
 * (await resolvePlugins(loaded)).map((p) => p.definition.name); // ["latency"]
 * ```
 */
export async function resolvePlugins(loaded: LoadedSpec): Promise<ResolvedPlugin[]> {
  const resolved: ResolvedPlugin[] = [];
  const seen = new Map<string, number>();
  for (const [index, entry] of loaded.spec.plugins.entries()) {
    const [ref, rawOptions] = typeof entry === "string" ? [entry, {}] : Object.entries(entry)[0];
    const at: FieldPath = typeof entry === "string" ? ["plugins", index] : ["plugins", index, ref];
    const definition = await loadProfiler(loaded, ref, at);
    const previous = seen.get(definition.name);
    if (previous !== undefined) {
      throw new SpecError(
        "SPEC_PLUGIN_DUPLICATE",
        `plugin "${definition.name}" is listed twice (plugins[${previous}] and plugins[${index}]); expected each plugin once`,
        loaded.source.locate(at, { key: true }),
      );
    }
    seen.set(definition.name, index);
    let options: unknown = rawOptions ?? {};
    if (definition.options) {
      const result = v.safeParse(definition.options, options);
      if (!result.success) throw issueToError(result.issues, at, loaded.source, definition.options);
      options = result.output;
    }
    const problem = definition.checkOptions?.(options, { specDir: loaded.dir });
    if (problem) {
      throw new SpecError(
        "SPEC_PLUGIN_OPTIONS",
        `plugin "${definition.name}": ${problem}`,
        loaded.source.locate(at, { key: typeof entry !== "string" }),
      );
    }
    const origin = definition === registeredProfilers()[ref] ? "builtin" : classifyReference(ref);
    resolved.push({
      ref,
      origin,
      definition,
      options,
      index,
      ...(origin === "package" ? packageOf(ref, loaded.dir) : {}),
    });
  }
  return resolved;
}

async function loadProfiler(
  loaded: LoadedSpec,
  ref: string,
  at: FieldPath,
  // deno-lint-ignore no-explicit-any
): Promise<ProfilerDefinition<any, any>> {
  const builtin = Object.hasOwn(registeredProfilers(), ref) ? registeredProfilers()[ref] : undefined;
  if (builtin) return builtin;
  const mod = await importModule(loaded, ref, at, "plugin", Object.keys(registeredProfilers()));
  const definition = (mod.default ?? mod.profiler) as ProfilerDefinition | undefined;
  const where = loaded.source.locate(at, { key: true });
  if (
    !definition || typeof definition !== "object" || typeof definition.create !== "function" ||
    typeof definition.name !== "string"
  ) {
    throw new SpecError(
      "SPEC_PLUGIN_INVALID",
      `plugin "${ref}" does not export a profiler; expected a default export made with defineProfiler({ name, apiVersion: 1, create })`,
      where,
    );
  }
  const stray = strayKeysProblem(definition, PROFILER_KEYS, "key");
  if (stray) {
    throw new SpecError("SPEC_PLUGIN_INVALID", `plugin "${ref}" has ${stray}`, where);
  }
  if (definition.apiVersion !== 1) {
    throw new SpecError(
      "SPEC_PLUGIN_API_VERSION",
      `plugin "${definition.name}" declares apiVersion ${
        JSON.stringify(definition.apiVersion)
      }; this attnbench supports apiVersion 1`,
      where,
    );
  }
  return definition;
}

async function importModule(
  loaded: LoadedSpec,
  ref: string,
  at: FieldPath,
  what: "kernel" | "plugin",
  builtins: string[],
): Promise<Record<string, unknown>> {
  const where = loaded.source.locate(at, { key: at[0] === "plugins" && at.length === 3 });
  try {
    return await importReference(ref, loaded.dir);
  } catch (cause) {
    if (cause instanceof InvalidReference) {
      throw new SpecError(
        "SPEC_BAD_REFERENCE",
        `${what} "${ref}" is not a valid reference: ${cause.message}; expected a built-in ${what}, a relative path (./my_${what}.ts) or an installed package's name`,
        where,
        { cause },
      );
    }
    if (cause instanceof ReferenceNotFound) {
      const message = classifyReference(ref) === "path"
        ? `${what} path "${ref}" does not exist (${cause.message}); expected a file relative to the spec`
        : `unknown ${what} "${ref}"${meant(ref, builtins)}; expected a built-in ${what} (${
          builtins.join(", ")
        }), a relative path (./my_${what}.ts) or an installed package (${cause.message})`;
      throw new SpecError(what === "kernel" ? "SPEC_UNKNOWN_KERNEL" : "SPEC_UNKNOWN_PLUGIN", message, where, {
        cause,
      });
    }
    throw new SpecError(
      "SPEC_MODULE_LOAD",
      `cannot load ${what} "${ref}": ${loadFailure(cause, modulePath(ref, loaded.dir))}`,
      where,
      {
        cause,
      },
    );
  }
}

function kernelShapeProblem(definition: KernelDefinition | undefined): string | undefined {
  if (!definition || typeof definition !== "object") return "no default export";
  if (typeof definition.name !== "string" || typeof definition.version !== "string") {
    return "name and version must be strings";
  }
  if (typeof definition.prepare !== "function" || typeof definition.shape !== "function") {
    return "prepare() and shape() are required";
  }
  if (!definition.params || typeof definition.params.entries !== "object") {
    return "params must be a valibot object schema";
  }
  return undefined;
}

/** The file a reference names, where it can be found (for locating a syntax error in it). */
function modulePath(ref: string, dir: string): string | undefined {
  try {
    return resolveReference(ref, dir);
  } catch {
    return undefined;
  }
}

/** `{ package: { name, version } }` of an installed package reference (empty when not found). */
function packageOf(ref: string, dir: string): { package?: PackageVersion } {
  try {
    const { name, version } = findPackage(ref, dir);
    return { package: { name, version } };
  } catch {
    return {};
  }
}

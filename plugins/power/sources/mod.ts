/**
 * The power sources the `power` profiler can name: the built-ins (`rapl`, `nvml`, `mock`) and any
 * module, by path relative to the spec or by package, whose default export is a
 * {@link PowerSource}. A source is named by a {@link SourceRef}, plain JSON, so the sampler worker
 * can build the same source on its own thread.
 *
 * @example
 * ```ts
 * import { openSource, resolveSource } from "./mod.ts";
 *
 * const ref = resolveSource("mock", "/work/specs");
 * const source = await openSource(ref, options); // options: validated PowerOptions
 * if ((await source.detect()) === true) console.log(source.readWatts?.()); // 75
 * await source.close?.();
 * ```
 * @module
 */
import { pathToFileURL } from "node:url";
import { ReferenceNotFound, resolveReference } from "../../../plugin_kit.ts";
import type { PowerOptions } from "../options.ts";
import type { PowerSource } from "../../../plugin_kit.ts";
import { constantPowerSource, tracePowerSource } from "./mock.ts";
import { nvmlSource } from "./nvml.ts";
import { raplSource } from "./rapl.ts";
import { POWER_SOURCE_KEYS, strayKeysProblem } from "../../../plugin_kit.ts";

/**
 * A built-in power source: what it measures, which power options configure it, and how to make it.
 *
 * @example
 * ```ts
 * const mock: BuiltinPowerSource = builtinPowerSources.mock;
 * mock.optionKeys; // ["watts", "trace"]
 * ```
 */
export interface BuiltinPowerSource {
  name: string;
  description: string;
  /** Keys of the power options that configure this source. */
  optionKeys: (keyof PowerOptions)[];
  create(options: PowerOptions): PowerSource;
}

/**
 * Every built-in power source, by the name `power: { source }` uses.
 *
 * @example
 * ```ts
 * Object.keys(builtinPowerSources); // ["rapl", "nvml", "mock"]
 * ```
 */
export const builtinPowerSources: Record<string, BuiltinPowerSource> = {
  rapl: {
    name: "rapl",
    description: "CPU package/DRAM energy counters through Linux powercap (Intel and AMD)",
    optionKeys: ["rapl"],
    create: (o) => raplSource({ root: o.rapl.root, domains: o.rapl.domains }),
  },
  nvml: {
    name: "nvml",
    description: "NVIDIA GPU energy counter or power through NVML over FFI, nvidia-smi as fallback",
    optionKeys: ["nvml"],
    create: (o) =>
      nvmlSource({
        device: o.nvml.device,
        libraryPath: o.nvml.library_path,
        nvidiaSmiPath: o.nvml.nvidia_smi_path,
      }),
  },
  mock: {
    name: "mock",
    description:
      "constant watts, or a scripted trace; an exact energy counter (for tests and machines without a meter)",
    optionKeys: ["watts", "trace"],
    create: (o) => (o.trace ? tracePowerSource(o.trace) : constantPowerSource(o.watts)),
  },
};

/**
 * How to find a source: a built-in by name, or a module by the file URL its reference resolved to.
 *
 * @example
 * ```ts
 * const refs: SourceRef[] = [
 *   { kind: "builtin", name: "rapl" },
 *   { kind: "module", ref: "./meters/wall.ts", url: "file:///work/specs/meters/wall.ts" },
 * ];
 * ```
 */
export type SourceRef = { kind: "builtin"; name: string } | { kind: "module"; ref: string; url: string };

/**
 * The {@link SourceRef} of a `source` or `fallback` option. Throws an `Error` naming the reference
 * when it is neither a built-in nor a file or package that exists.
 *
 * @example
 * ```ts
 * resolveSource("rapl", "/work/specs"); // { kind: "builtin", name: "rapl" }
 * resolveSource("./wall.ts", "/work/specs"); // { kind: "module", ref: "./wall.ts", url: "file:///work/specs/wall.ts" }
 * ```
 */
export function resolveSource(name: string, specDir: string): SourceRef {
  if (Object.hasOwn(builtinPowerSources, name)) return { kind: "builtin", name };
  try {
    return { kind: "module", ref: name, url: pathToFileURL(resolveReference(name, specDir)).href };
  } catch (cause) {
    if (!(cause instanceof ReferenceNotFound)) throw cause;
    throw new Error(
      `unknown power source "${name}" (${cause.message}); expected ${
        Object.keys(builtinPowerSources).join(", ")
      }, ` +
        "a path relative to the spec (./my_meter.ts) or an installed package",
    );
  }
}

/**
 * Builds the source a reference names (not yet detected). Throws an `Error` when a module's
 * default export is not a power source.
 *
 * @example
 * ```ts
 * const rapl = await openSource({ kind: "builtin", name: "rapl" }, options);
 * ```
 */
export async function openSource(ref: SourceRef, options: PowerOptions): Promise<PowerSource> {
  if (ref.kind === "builtin") return builtinPowerSources[ref.name].create(options);
  const mod = await import(ref.url) as { default?: unknown };
  const exported = mod.default;
  if (typeof exported !== "function" && options.source_options !== undefined) {
    throw new Error(
      `power source "${ref.ref}" takes no source_options (its default export is not a function); expected a default export (options) => definePowerSource({ … }) to receive them`,
    );
  }
  const source = (typeof exported === "function" ? await exported(options.source_options ?? {}) : exported) as
    | Partial<PowerSource>
    | undefined;
  if (
    !source || typeof source !== "object" || typeof source.name !== "string" ||
    typeof source.detect !== "function"
  ) {
    throw new Error(
      `power source "${ref.ref}" exports ${
        source === undefined ? "no default" : `a default ${typeof source}`
      } ` +
        "without a name and detect(); expected a default export made with definePowerSource({ name, detect, readEnergyJoules?, readWatts? })",
    );
  }
  const stray = strayKeysProblem(source, POWER_SOURCE_KEYS, "key");
  if (stray) throw new Error(`power source "${ref.ref}" has ${stray}`);
  return source as PowerSource;
}

/**
 * Whether the source a reference names can be read here: builds it, detects and closes it.
 *
 * @example
 * ```ts
 * await probeSource({ kind: "builtin", name: "rapl" }, options); // "no RAPL zones under /sys/class/powercap ..." in a VM
 * ```
 */
export async function probeSource(ref: SourceRef, options: PowerOptions): Promise<true | string> {
  const source = await openSource(ref, options);
  try {
    return await source.detect();
  } finally {
    await source.close?.();
  }
}

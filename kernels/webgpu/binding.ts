/**
 * Where this runtime's WebGPU comes from: Deno has it built in (`navigator.gpu`), Bun gets it from
 * the optional package `bun-webgpu` and Node from the optional package `webgpu` (both Dawn). The
 * packages are imported dynamically, by a name held in a variable, so Deno never loads or
 * type-checks them and a missing package is a reason to skip, not a crash.
 *
 * @example
 * ```ts
 * import { findWebGpu } from "./binding.ts";
 * const found = await findWebGpu();
 * if (typeof found === "string") console.log(found); // why there is no WebGPU here
 * else await found.gpu.requestAdapter();
 * ```
 * @module
 */
import { runtimeInfo, type RuntimeName, runtimeName } from "../../plugin_kit.ts";

/**
 * A WebGPU entry point and the name of what provided it (`DeviceInfo.binding`).
 *
 * @example
 * ```ts
 * const deno: WebGpuBinding = { gpu: navigator.gpu, binding: "navigator.gpu (Deno)", runtime: "Deno 2.9.5" };
 * ```
 */
export interface WebGpuBinding {
  gpu: GPU;
  binding: string;
  /** The runtime and its version, e.g. `Bun 1.4.5`, for the reasons given when a step fails. */
  runtime: string;
}

/**
 * Imports a module by name; replaced in tests to act out a package that is not installed.
 *
 * @example
 * ```ts
 * const missing: ModuleImporter = (name) => Promise.reject(new Error(`Cannot find package '${name}'`));
 * ```
 */
export type ModuleImporter = (name: string) => Promise<Record<string, unknown>>;

/** The optional package that gives Bun WebGPU. */
const BUN_PACKAGE = "bun-webgpu";
/** The optional package that gives Node WebGPU. */
const NODE_PACKAGE = "webgpu";

/**
 * Dawn rounds timestamps down to multiples of 65 536 ns unless told not to (a browser's privacy
 * measure); Node's `webgpu` takes Dawn's toggles at creation, bun-webgpu 0.1.7 has no way to.
 */
const NODE_DAWN_FLAGS = ["disable-dawn-features=timestamp_quantization"];

/**
 * The timestamp step of each binding that coarsens timestamps, in ns: bun-webgpu keeps Dawn's.
 *
 * @example
 * ```ts
 * TIMESTAMP_QUANTUM_NS["bun-webgpu"]; // 65536
 * TIMESTAMP_QUANTUM_NS["navigator.gpu (Deno)"]; // undefined: exact
 * ```
 */
export const TIMESTAMP_QUANTUM_NS: Readonly<Record<string, number>> = { [BUN_PACKAGE]: 65_536 };

const importModule: ModuleImporter = (name) => import(name);

/**
 * A runtime by name and version, as {@link findWebGpu} looks for WebGPU in it.
 *
 * @example
 * ```ts
 * const bun: RuntimeLabel = { name: "bun", version: "1.4.5" };
 * ```
 */
export interface RuntimeLabel {
  name: RuntimeName;
  version: string;
}

/**
 * This runtime's WebGPU entry point, or the reason there is none (naming the runtime, its version
 * and, on Bun and Node, the package that could not be loaded). Tests pass another runtime and
 * importer to act out a missing package.
 *
 * @example
 * ```ts
 * const found = await findWebGpu();
 * typeof found === "string" ? found : found.binding; // e.g. "navigator.gpu (Deno)"
 * ```
 */
export async function findWebGpu(
  runtime: RuntimeLabel = { name: runtimeName(), version: runtimeInfo().version },
  load: ModuleImporter = importModule,
): Promise<WebGpuBinding | string> {
  const label = `${runtime.name[0].toUpperCase()}${runtime.name.slice(1)} ${runtime.version}`;
  if (runtime.name === "deno") {
    const gpu = (navigator as { gpu?: GPU }).gpu;
    return gpu
      ? { gpu, binding: "navigator.gpu (Deno)", runtime: label }
      : `no WebGPU: navigator.gpu is missing (${label})`;
  }
  const bun = runtime.name === "bun", name = bun ? BUN_PACKAGE : NODE_PACKAGE;
  let module: Record<string, unknown>;
  try {
    module = await load(name);
  } catch (error) {
    return `no WebGPU on ${label}: the optional package ${name} could not be loaded ` +
      `(${firstLine(error)}); install it with \`${bun ? "bun" : "npm"} add ${name}\``;
  }
  try {
    const gpu = bun
      ? (module.createGPUInstance as () => GPU)()
      : (module.create as (flags: string[]) => GPU)(NODE_DAWN_FLAGS);
    return { gpu, binding: bun ? BUN_PACKAGE : `${NODE_PACKAGE} (Node)`, runtime: label };
  } catch (error) {
    return `no WebGPU on ${label}: the package ${name} loaded but could not start (${firstLine(error)})`;
  }
}

/**
 * The first line of an error's message, for a reason that stays one line.
 *
 * @example
 * ```ts
 * firstLine(new Error("adapter refused\n  at ...")); // "adapter refused"
 * ```
 */
export function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split("\n")[0];
}

/**
 * The five NVML entry points the NVML power source calls, bound through the runtime's own FFI:
 * `Deno.dlopen` on Deno, `bun:ffi` on Bun (imported only there, so Deno never resolves it).
 * Node has no FFI built in before the experimental `node:ffi` of Node 26.1, so there the binding
 * is unavailable and the source falls back to `nvidia-smi`. Out-parameters are typed arrays;
 * device handles travel as the pointer's address in a `bigint`.
 *
 * @example
 * ```ts
 * import { openNvmlLibrary } from "./nvml_ffi.ts";
 *
 * const nvml = await openNvmlLibrary("libnvidia-ml.so.1");
 * if (typeof nvml === "string") console.log(nvml); // why it could not be loaded
 * else {
 *   const handle = new BigUint64Array(1);
 *   if (nvml.init() === 0 && nvml.handleByIndex(0, handle) === 0) console.log("GPU 0 handle", handle[0]);
 *   nvml.shutdown();
 *   nvml.close();
 * }
 * ```
 * @module
 */
import { runtimeName } from "../../../plugin_kit.ts";

/**
 * Raw NVML calls; each returns the `nvmlReturn_t` code (0 is `NVML_SUCCESS`) and writes its
 * result into the typed array it is given.
 *
 * @example
 * ```ts
 * const energy = new BigUint64Array(1);
 * if (nvml.totalEnergy(handle, energy) === 0) console.log(energy[0], "mJ");
 * ```
 */
export interface NvmlLibrary {
  /** `nvmlInit_v2()`. */
  init(): number;
  /** `nvmlDeviceGetHandleByIndex_v2(index, &device)`: the handle's address into `out[0]`. */
  handleByIndex(index: number, out: BigUint64Array): number;
  /** `nvmlDeviceGetTotalEnergyConsumption(device, &mJ)`: millijoules since the driver loaded. */
  totalEnergy(handle: bigint, out: BigUint64Array): number;
  /** `nvmlDeviceGetPowerUsage(device, &mW)`: milliwatts. */
  powerUsage(handle: bigint, out: Uint32Array): number;
  /** `nvmlShutdown()`. */
  shutdown(): number;
  /** Unloads the library; no call may follow. */
  close(): void;
}

type NativeType = "i32" | "u32" | "pointer" | "buffer";

/** The C signatures, in one vocabulary both runtimes accept ("buffer" = typed array → pointer). */
const SIGNATURES = {
  nvmlInit_v2: { args: [], returns: "i32" },
  nvmlDeviceGetHandleByIndex_v2: { args: ["u32", "buffer"], returns: "i32" },
  nvmlDeviceGetTotalEnergyConsumption: { args: ["pointer", "buffer"], returns: "i32" },
  nvmlDeviceGetPowerUsage: { args: ["pointer", "buffer"], returns: "i32" },
  nvmlShutdown: { args: [], returns: "i32" },
} satisfies Record<string, { args: NativeType[]; returns: NativeType }>;

type SymbolName = keyof typeof SIGNATURES;

/** What `dlopen` returns on both runtimes. */
interface NativeLibrary {
  symbols: Record<SymbolName, (...args: unknown[]) => number>;
  close(): void;
}

/** A loaded library and how this runtime turns an address into a pointer argument. */
interface Loaded {
  library: NativeLibrary;
  pointer(address: bigint): unknown;
}

/** The part of the `Deno` namespace used here. */
interface DenoFfi {
  dlopen(path: string, symbols: Record<string, { parameters: string[]; result: string }>): NativeLibrary;
  UnsafePointer: { create(address: bigint): unknown };
}

/** The part of `bun:ffi` used here. */
interface BunFfi {
  dlopen(path: string, symbols: Record<string, { args: string[]; returns: string }>): NativeLibrary;
}

/**
 * Loads NVML from `path` with this runtime's FFI. Returns the bound calls, or why it could not:
 * no FFI on this runtime, the library missing, or a symbol missing (a driver older than the
 * calls; all five must exist).
 *
 * @example
 * ```ts
 * const nvml = await openNvmlLibrary("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1");
 * ```
 */
export async function openNvmlLibrary(path: string): Promise<NvmlLibrary | string> {
  try {
    const loaded = await load(path);
    return typeof loaded === "string" ? loaded : bind(loaded);
  } catch (err) {
    return `cannot load ${path}: ${(err as Error).message ?? String(err)}`;
  }
}

async function load(path: string): Promise<Loaded | string> {
  switch (runtimeName()) {
    case "deno":
      return loadWithDeno(path);
    case "bun":
      return await loadWithBun(path);
    case "node":
      return "Node has no built-in FFI (node:ffi is experimental and needs Node >= 26.1); NVML is called from Deno or Bun";
  }
}

function loadWithDeno(path: string): Loaded {
  const deno = (globalThis as unknown as { Deno: DenoFfi }).Deno;
  const symbols = Object.fromEntries(
    Object.entries(SIGNATURES).map(([name, sig]) => [name, { parameters: sig.args, result: sig.returns }]),
  );
  return { library: deno.dlopen(path, symbols), pointer: (address) => deno.UnsafePointer.create(address) };
}

async function loadWithBun(path: string): Promise<Loaded> {
  const specifier = "bun:ffi"; // not a literal import, so Deno's type checker never resolves it
  const ffi = await import(specifier) as BunFfi;
  return { library: ffi.dlopen(path, SIGNATURES), pointer: (address) => Number(address) };
}

function bind({ library, pointer }: Loaded): NvmlLibrary {
  const call = library.symbols;
  return {
    init: () => call.nvmlInit_v2(),
    handleByIndex: (index, out) => call.nvmlDeviceGetHandleByIndex_v2(index, out),
    totalEnergy: (handle, out) => call.nvmlDeviceGetTotalEnergyConsumption(pointer(handle), out),
    powerUsage: (handle, out) => call.nvmlDeviceGetPowerUsage(pointer(handle), out),
    shutdown: () => call.nvmlShutdown(),
    close: () => library.close(),
  };
}

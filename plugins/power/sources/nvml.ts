/**
 * NVIDIA GPU energy and power through NVML, called over FFI (`Deno.dlopen`, `bun:ffi`), with
 * `nvidia-smi` as the fallback where FFI is unavailable (Node) or NVML cannot be used.
 *
 * `detect()` loads the library, initialises NVML, takes the device's handle and probes both
 * readers. `nvmlDeviceGetTotalEnergyConsumption` (millijoules since the driver loaded, Volta and
 * newer) becomes `readEnergyJoules`; `nvmlDeviceGetPowerUsage` (milliwatts; a 1-second average on
 * Ampere and newer) becomes `readWatts`. Either is installed only where it returns NVML_SUCCESS,
 * so a GPU without the energy counter (NVML_ERROR_NOT_SUPPORTED) offers watts only. The energy
 * counter updates about every 100 ms: a shorter window can read 0 J.
 *
 * @example
 * ```ts
 * import { nvmlSource } from "./nvml.ts";
 *
 * const gpu = nvmlSource({ device: 0 });
 * const ok = await gpu.detect();
 * if (ok !== true) console.log(ok); // what was tried and why each failed
 * else console.log(gpu.backend(), gpu.readEnergyJoules ? "counter" : "watts only");
 * gpu.close();
 * ```
 * @module
 */
import { definePowerSource, type PowerSource } from "../../../plugin_kit.ts";
import { type NvmlLibrary, openNvmlLibrary } from "./nvml_ffi.ts";
import { nvidiaSmiWatts } from "./nvidia_smi.ts";

const NVML_SUCCESS = 0;

/** `nvmlReturn_t` names of the codes these calls return in practice (nvml.h). */
const RETURN_NAMES: Record<number, string> = {
  1: "NVML_ERROR_UNINITIALIZED",
  2: "NVML_ERROR_INVALID_ARGUMENT",
  3: "NVML_ERROR_NOT_SUPPORTED",
  4: "NVML_ERROR_NO_PERMISSION",
  6: "NVML_ERROR_NOT_FOUND",
  9: "NVML_ERROR_DRIVER_NOT_LOADED",
  12: "NVML_ERROR_LIBRARY_NOT_FOUND",
  13: "NVML_ERROR_FUNCTION_NOT_FOUND",
  15: "NVML_ERROR_GPU_IS_LOST",
  999: "NVML_ERROR_UNKNOWN",
};

/**
 * Options of {@link nvmlSource}.
 *
 * @example
 * ```ts
 * const options: NvmlOptions = { device: 1, libraryPath: "libnvidia-ml.so.1", nvidiaSmiPath: "/usr/bin/nvidia-smi" };
 * ```
 */
export interface NvmlOptions {
  /** NVML library to load; default `libnvidia-ml.so.1` (found by the dynamic loader). */
  libraryPath?: string;
  /** NVML device index (PCI bus order, not CUDA order); default 0. */
  device?: number;
  /** `nvidia-smi` to run for the fallback; default `nvidia-smi` (found on PATH). */
  nvidiaSmiPath?: string;
}

/**
 * Where an NVML source's readings come from once detected.
 *
 * @example
 * ```ts
 * const backend: NvmlBackend | undefined = gpu.backend(); // "nvml" or "nvidia-smi"
 * ```
 */
export type NvmlBackend = "nvml" | "nvidia-smi";

/**
 * The NVML source. Its readers exist only after a successful `detect()`: `readEnergyJoules`
 * (joules since `detect()`) where the GPU has the counter, `readWatts` where it reports power.
 *
 * @example
 * ```ts
 * const gpu: NvmlPowerSource = nvmlSource();
 * ```
 */
export interface NvmlPowerSource extends PowerSource {
  detect(): Promise<true | string>;
  /** Shuts NVML down and unloads it; the readers are removed. */
  close(): void;
  /** `nvml` (FFI), `nvidia-smi` (fallback) or `undefined` before a successful `detect()`. */
  backend(): NvmlBackend | undefined;
}

/** An initialised NVML and one device's handle. */
interface Device {
  lib: NvmlLibrary;
  handle: bigint;
  index: number;
  open: boolean;
}

/** The readers a device supports. */
type Readers = Pick<PowerSource, "readEnergyJoules" | "readWatts">;

/** A call's return code and what it wrote. */
interface Reading<T> {
  code: number;
  value: T;
}

/**
 * Creates an NVML source for one GPU. Throws a `RangeError` for a device index that is not a
 * non-negative 32-bit integer.
 *
 * @example
 * ```ts
 * const gpu = nvmlSource({ device: 0 });
 * if ((await gpu.detect()) === true && gpu.readEnergyJoules) {
 *   const begin = await gpu.readEnergyJoules();
 *   // ... work for several seconds ...
 *   console.log((await gpu.readEnergyJoules()) - begin, "J");
 * }
 * gpu.close();
 * ```
 */
export function nvmlSource(options: NvmlOptions = {}): NvmlPowerSource {
  const libraryPath = options.libraryPath ?? "libnvidia-ml.so.1";
  const index = validIndex(options.device ?? 0);
  const nvidiaSmi = options.nvidiaSmiPath ?? "nvidia-smi";
  let device: Device | undefined;
  let backend: NvmlBackend | undefined;

  const source: NvmlPowerSource = definePowerSource({
    name: "nvml",
    async detect(): Promise<true | string> {
      release();
      const nvml = await connect(libraryPath, index);
      if (typeof nvml !== "string") {
        device = nvml.device;
        backend = "nvml";
        Object.assign(source, nvml.readers);
        return true;
      }
      const fallback = await probeNvidiaSmi(nvidiaSmi, index);
      if (fallback !== true) {
        return `NVML (${libraryPath}, GPU ${index}): ${nvml}; nvidia-smi fallback: ${fallback}`;
      }
      backend = "nvidia-smi";
      source.readWatts = () => nvidiaSmiWatts(nvidiaSmi, index);
      return true;
    },
    close: release,
    backend: () => backend,
  });

  function release(): void {
    delete source.readEnergyJoules;
    delete source.readWatts;
    backend = undefined;
    if (device) closeDevice(device);
    device = undefined;
  }
  return source;
}

function validIndex(index: number): number {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) {
    throw new RangeError(`NVML device index is ${index}; expected an integer from 0 to 4294967295`);
  }
  return index;
}

/** An open device with the readers that work on it, or why NVML cannot be used. */
async function connect(
  libraryPath: string,
  index: number,
): Promise<{ device: Device; readers: Readers } | string> {
  const device = await openDevice(libraryPath, index);
  if (typeof device === "string") return device;
  const readers = probeReaders(device);
  if (typeof readers !== "string") return { device, readers };
  closeDevice(device);
  return readers;
}

async function openDevice(libraryPath: string, index: number): Promise<Device | string> {
  const lib = await openNvmlLibrary(libraryPath);
  if (typeof lib === "string") return lib;
  const init = lib.init();
  if (init !== NVML_SUCCESS) {
    lib.close();
    return failure("nvmlInit_v2()", init);
  }
  const handle = new BigUint64Array(1);
  const code = lib.handleByIndex(index, handle);
  const device = { lib, handle: handle[0], index, open: true };
  if (code === NVML_SUCCESS) return device;
  closeDevice(device);
  return failure(`nvmlDeviceGetHandleByIndex_v2(${index})`, code);
}

function closeDevice(device: Device): void {
  if (!device.open) return;
  device.open = false;
  device.lib.shutdown();
  device.lib.close();
}

/** The readers whose call succeeds once now, or why neither does. */
function probeReaders(device: Device): Readers | string {
  const energy = totalEnergy(device);
  const power = powerUsage(device);
  if (energy.code !== NVML_SUCCESS && power.code !== NVML_SUCCESS) {
    return `${failure(energyCall(device), energy.code)}; ${failure(powerCall(device), power.code)}`;
  }
  const origin = energy.value;
  const joules = () => Number(succeeded(totalEnergy(device), energyCall(device)) - origin) / 1000;
  const watts = () => succeeded(powerUsage(device), powerCall(device)) / 1000;
  return {
    ...(energy.code === NVML_SUCCESS ? { readEnergyJoules: joules } : {}),
    ...(power.code === NVML_SUCCESS ? { readWatts: watts } : {}),
  };
}

function totalEnergy(device: Device): Reading<bigint> {
  const out = new BigUint64Array(1);
  return { code: usable(device).lib.totalEnergy(device.handle, out), value: out[0] };
}

function powerUsage(device: Device): Reading<number> {
  const out = new Uint32Array(1);
  return { code: usable(device).lib.powerUsage(device.handle, out), value: out[0] };
}

/** The device, if NVML has not been shut down (a call into an unloaded library would crash). */
function usable(device: Device): Device {
  if (!device.open) {
    throw new Error(`NVML source for GPU ${device.index} is closed; expected detect() before reading`);
  }
  return device;
}

function succeeded<T>(reading: Reading<T>, call: string): T {
  if (reading.code !== NVML_SUCCESS) throw new Error(failure(call, reading.code));
  return reading.value;
}

function energyCall(device: Device): string {
  return `nvmlDeviceGetTotalEnergyConsumption(GPU ${device.index})`;
}

function powerCall(device: Device): string {
  return `nvmlDeviceGetPowerUsage(GPU ${device.index})`;
}

function failure(call: string, code: number): string {
  return `${call} returned ${RETURN_NAMES[code] ?? "an unknown code"} (${code}); expected NVML_SUCCESS (0)`;
}

async function probeNvidiaSmi(binary: string, index: number): Promise<true | string> {
  try {
    await nvidiaSmiWatts(binary, index);
    return true;
  } catch (err) {
    return (err as Error).message;
  }
}

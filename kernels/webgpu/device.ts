/**
 * One WebGPU adapter and device per process, opened on first demand and then shared by every
 * prepared WebGPU kernel. The device asks for `timestamp-query` when the adapter has it, and for
 * every limit at the adapter's own value (the kernels size their tiles and buffers from them).
 * Availability is asynchronous ({@link gpuAvailability}, which a kernel's `available()` awaits);
 * `prepare()` is synchronous and takes the opened device with {@link readyWebGpu}. A device that is
 * lost later (driver reset, `destroy()`) stays lost: every later call says so.
 *
 * @example
 * ```ts
 * import { gpuAvailability, readyWebGpu } from "./device.ts";
 * const availability = await gpuAvailability();
 * if (typeof availability === "object") {
 *   const { device, info } = readyWebGpu("softmax");
 *   console.log(info.description, device.limits.maxComputeWorkgroupStorageSize);
 * }
 * ```
 * @module
 */
import type { DeviceInfo, KernelAvailability } from "../../plugin_kit.ts";
import { describeAdapter, nullBackendProblem } from "./adapter_info.ts";
import { findWebGpu, firstLine, type WebGpuBinding } from "./binding.ts";

/**
 * An opened device and what the manifest says of it. `lost` and `error` are set when the device is
 * lost or reports an error no one caught; instances check both.
 *
 * @example
 * ```ts
 * const gpu = await openWebGpu();
 * if (typeof gpu !== "string") gpu.device.limits.maxBufferSize;
 * ```
 */
export interface WebGpu {
  device: GPUDevice;
  info: DeviceInfo;
  /**
   * The entry point the device came from, held as long as the device: Node's `webgpu` (dawn.node)
   * frees its native instance when this object is collected, and the device's next call crashes.
   */
  entry: GPU;
  /** Why the device was lost, once it was. */
  lost?: string;
  /** The first error the device raised outside an error scope (a bug in a kernel's commands). */
  error?: string;
}

let opening: Promise<WebGpu | string> | undefined;
let opened: WebGpu | string | undefined;

/**
 * Whether the WebGPU kernels can run in this process: the adapter they run on, or the reason
 * they cannot (no adapter, the runtime and its version, a missing optional package, Dawn's null
 * backend, a lost device). Opens the device on the first call; later calls share it.
 *
 * @example
 * ```ts
 * const availability = await gpuAvailability();
 * typeof availability === "string" ? `skipped: ${availability}` : availability.device.description;
 * ```
 */
export async function gpuAvailability(): Promise<KernelAvailability> {
  opening ??= openWebGpu().then((gpu) => opened = gpu);
  const gpu = await opening;
  if (typeof gpu === "string") return gpu;
  return gpu.lost ?? { available: true, device: gpu.info };
}

/**
 * The device opened by {@link gpuAvailability}, for a synchronous `prepare()`. Throws one clear
 * message when availability was not awaited first, when there is no device, or when it was lost.
 *
 * @example
 * ```ts
 * await gpuAvailability();
 * const gpu = readyWebGpu("flash"); // throws "flash (backend webgpu): ..." if it cannot run
 * ```
 */
export function readyWebGpu(kernel: string): WebGpu {
  const where = `${kernel} (backend webgpu)`;
  if (opened === undefined) {
    throw new Error(
      `${where}: the WebGPU device is not open yet; await the kernel's available() before prepare()`,
    );
  }
  if (typeof opened === "string") throw new Error(`${where}: ${opened}`);
  if (opened.lost) throw new Error(`${where}: ${opened.lost}`);
  return opened;
}

/**
 * Opens an adapter and a device of its own (not the shared one): the device, or the reason there
 * is none. It asks for each of `features` the adapter has (by default `timestamp-query`) and for
 * every limit at the adapter's value. {@link gpuAvailability} opens the shared one with it; tests
 * open their own to lose it; the bench opens one for onnxruntime-web with the features it uses.
 *
 * @example
 * ```ts
 * const gpu = await openWebGpu();
 * if (typeof gpu !== "string") gpu.device.destroy(); // gpu.lost is set soon after
 * const ort = await openWebGpu(findWebGpu, ["timestamp-query", "shader-f16", "subgroups"]);
 * ```
 */
export async function openWebGpu(
  find: () => Promise<WebGpuBinding | string> = findWebGpu,
  features: readonly GPUFeatureName[] = ["timestamp-query"],
): Promise<WebGpu | string> {
  const found = await find();
  if (typeof found === "string") return found;
  const where = `${found.binding}, ${found.runtime}`;
  let adapter: GPUAdapter | null;
  try {
    adapter = await found.gpu.requestAdapter();
  } catch (error) {
    return `no WebGPU adapter (${where}): requestAdapter() failed: ${firstLine(error)}`;
  }
  if (!adapter) return `no WebGPU adapter: requestAdapter() returned null (${where})`;
  const unusable = nullBackendProblem(adapter.info);
  if (unusable) return `no usable WebGPU adapter (${where}): ${unusable}`;
  const requiredFeatures = features.filter((feature) => adapter.features.has(feature));
  const timestamps = requiredFeatures.includes("timestamp-query");
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredFeatures, requiredLimits: adapterLimits(adapter) });
  } catch (error) {
    return `the WebGPU adapter "${adapter.info.description}" (${where}) gave no device: ${firstLine(error)}`;
  }
  const gpu: WebGpu = {
    device,
    info: describeAdapter(adapter.info, found.binding, timestamps),
    entry: found.gpu,
  };
  device.lost.then((info) => gpu.lost = `the WebGPU device was lost (${info.reason}): ${info.message}`);
  device.addEventListener("uncapturederror", (event) => {
    gpu.error ??= (event as GPUUncapturedErrorEvent).error.message;
  });
  return gpu;
}

/**
 * Every numeric limit of the adapter at the adapter's value. Asking for all of them, not only
 * those the kernels read, is what bun-webgpu 0.1.7 needs: it checks each limit it passes on
 * (defaults included) against the adapter's, and a partial request fails there.
 */
function adapterLimits(adapter: GPUAdapter): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const name in adapter.limits) {
    const value = (adapter.limits as unknown as Record<string, unknown>)[name];
    if (typeof value === "number") limits[name] = value;
  }
  return limits;
}

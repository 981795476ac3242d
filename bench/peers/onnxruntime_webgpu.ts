/**
 * `onnxruntime-web` on its WebGPU execution provider (`onnxruntime-web/webgpu`, the native WebGPU
 * provider compiled to WebAssembly): the attention graph of `onnx_model.ts`, all graph
 * optimisations on, every node placed on the GPU, the output read back to host memory in each
 * call. It runs on a device the bench opens (handed over as the provider's `device` option, with
 * the features the provider asks for itself and every limit of the adapter), so the bench knows
 * and prints the adapter its figures come from. This is the GPU peer of attnbench's `webgpu`
 * backend.
 *
 * WebGPU comes from `navigator.gpu` (Deno) or, on Bun, from `bun-webgpu`'s `setupGlobals()`, which
 * also defines the `GPUDevice` class and the other globals onnxruntime-web looks for.
 *
 * @example
 * ```ts
 * import { onnxruntimeWebGpu } from "./onnxruntime_webgpu.ts";
 * if ((await onnxruntimeWebGpu.detect()) === true) {
 *   const instance = await onnxruntimeWebGpu.prepare(inputs);
 *   await instance.run();
 * }
 * ```
 * @module
 */
import { describeAdapter, nullBackendProblem } from "../../kernels/webgpu/adapter_info.ts";
import { type AttentionInputs, type DeviceInfo, runtimeInfo } from "../../mod.ts";
import { detectPeer, firstLine, type InProcess, type Instance, requirePeer } from "./implementation.ts";
import { onnxInstance, type OrtModule } from "./onnxruntime.ts";

const PACKAGE = "onnxruntime-web";
const ENTRY = "onnxruntime-web/webgpu";
/** What the provider asks of a device it opens itself, where the adapter has it. */
const FEATURES: string[] = ["timestamp-query", "shader-f16", "subgroups"];

/** The device, from a successful `detect` until `close`. */
let device: GPUDevice | undefined;
/** What the adapter said of itself, kept after `close` for the printed tables. */
let info: DeviceInfo | undefined;

/** `navigator.gpu` and where it came from, or why this runtime has none. */
async function webGpu(): Promise<{ gpu: GPU; binding: string; where: string } | string> {
  const { runtime, version } = runtimeInfo();
  const name = `${runtime[0].toUpperCase()}${runtime.slice(1)}`;
  const where = `${name} ${version}`;
  if (runtime === "bun" && navigator.gpu === undefined) {
    const specifier = "bun-webgpu";
    try {
      const { setupGlobals } = await import(specifier) as { setupGlobals(): Promise<void> };
      await setupGlobals();
    } catch (error) {
      return `no WebGPU on ${where}: cannot load bun-webgpu: ${firstLine(error)}`;
    }
  }
  if (navigator.gpu === undefined) return `no WebGPU on ${where}: navigator.gpu is undefined`;
  return { gpu: navigator.gpu, binding: runtime === "bun" ? "bun-webgpu" : `navigator.gpu (${name})`, where };
}

/** Opens the device on the default adapter, or says why there is none. */
async function detect(): Promise<true | string> {
  const found = await detectPeer(PACKAGE);
  if (found !== true) return found;
  const api = await webGpu();
  if (typeof api === "string") return api;
  const adapter = await api.gpu.requestAdapter();
  const where = `${api.binding}, ${api.where}`;
  if (adapter === null) return `no WebGPU adapter: requestAdapter() returned null (${where})`;
  const unusable = nullBackendProblem(adapter.info);
  if (unusable !== undefined) return `no usable WebGPU adapter (${where}): ${unusable}`;
  const requiredLimits: Record<string, number> = {};
  for (const name in adapter.limits) {
    const value = (adapter.limits as unknown as Record<string, unknown>)[name];
    if (typeof value === "number") requiredLimits[name] = value;
  }
  const requiredFeatures = FEATURES.filter((f) =>
    adapter.features.has(f as GPUFeatureName)
  ) as GPUFeatureName[];
  device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  info = describeAdapter(adapter.info, api.binding, device.features.has("timestamp-query"));
  return true;
}

/**
 * onnxruntime-web, WebGPU execution provider, on this runtime's default adapter.
 *
 * @example
 * ```ts
 * if ((await onnxruntimeWebGpu.detect()) === true) {
 *   console.log(onnxruntimeWebGpu.device?.()?.description); // "llvmpipe (LLVM 15.0.6, 256 bits)"
 * }
 * ```
 */
export const onnxruntimeWebGpu: InProcess = {
  label: "ort-webgpu",
  group: "peer-webgpu",
  kind: "in-process",
  detect,
  device: (): DeviceInfo | undefined => info,
  async prepare(inputs: AttentionInputs): Promise<Instance> {
    if (device === undefined) throw new Error("ort-webgpu: prepare before a successful detect");
    const ort = requirePeer<OrtModule>(ENTRY);
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    return await onnxInstance(ort, inputs, { executionProviders: [{ name: "webgpu", device }] });
  },
  close(): Promise<void> {
    device?.destroy();
    device = undefined;
    return Promise.resolve();
  },
};

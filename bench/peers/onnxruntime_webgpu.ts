/**
 * `onnxruntime-web` on its WebGPU execution provider (`onnxruntime-web/webgpu`, the native WebGPU
 * provider compiled to WebAssembly): the attention graph of `onnx_model.ts`, all graph
 * optimisations on, every node placed on the GPU, the output read back to host memory in each
 * call. It runs on a device the bench opens (handed over as the provider's `device` option, with
 * the features the provider asks for itself and every limit of the adapter), so the bench knows
 * and prints the adapter its figures come from. This is the GPU peer of attnbench's `webgpu`
 * backend.
 *
 * The device is opened as the webgpu backend opens its own (`openWebGpu`); on Bun, `bun-webgpu`'s
 * `setupGlobals()` also defines the `GPUDevice` class and the other globals onnxruntime-web looks for.
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
import { findWebGpu } from "../../kernels/webgpu/binding.ts";
import { openWebGpu } from "../../kernels/webgpu/device.ts";
import { type AttentionInputs, type DeviceInfo, runtimeInfo, runtimeName } from "../../mod.ts";
import { detectPeer, firstLine, type InProcess, type Instance, requirePeer } from "./implementation.ts";
import { onnxInstance, type OrtModule } from "./onnxruntime.ts";

const PACKAGE = "onnxruntime-web";
const ENTRY = "onnxruntime-web/webgpu";
/** What the provider asks of a device it opens itself, where the adapter has it. */
const FEATURES: GPUFeatureName[] = ["timestamp-query", "shader-f16", "subgroups"];

/** The device, from a successful `detect` until `close`. */
let device: GPUDevice | undefined;
/** What the adapter said of itself, kept after `close` for the printed tables. */
let info: DeviceInfo | undefined;

/**
 * Opens the device on the default adapter as the webgpu backend does (kernels/webgpu/device.ts),
 * with the provider's features, or says why there is none. On Bun, bun-webgpu's globals come
 * first: onnxruntime-web looks up `GPUDevice`, `GPUBufferUsage` and the rest there.
 */
async function detect(): Promise<true | string> {
  const found = await detectPeer(PACKAGE);
  if (found !== true) return found;
  if (runtimeName() === "bun" && navigator.gpu === undefined) {
    try {
      const specifier = "bun-webgpu";
      const { setupGlobals } = await import(specifier) as { setupGlobals(): Promise<void> };
      await setupGlobals();
    } catch (error) {
      return `no WebGPU on Bun ${runtimeInfo().version}: cannot load bun-webgpu: ${firstLine(error)}`;
    }
  }
  const opened = await openWebGpu(findWebGpu, FEATURES);
  if (typeof opened === "string") return opened;
  device = opened.device;
  info = opened.info;
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

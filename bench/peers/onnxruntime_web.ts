/**
 * `onnxruntime-web`: the attention graph of `onnx_model.ts` on onnxruntime's WebAssembly execution
 * provider (the SIMD build), with `ort.env.wasm.numThreads = 1` and no proxy worker, all graph
 * optimisations on. This is the JS/WASM peer to beat.
 *
 * @example
 * ```ts
 * import { onnxruntimeWeb } from "./onnxruntime_web.ts";
 * if ((await onnxruntimeWeb.detect()) === true) {
 *   const instance = await onnxruntimeWeb.prepare(inputs);
 *   await instance.run();
 * }
 * ```
 * @module
 */
import type { AttentionInputs } from "../../mod.ts";
import { detectPeer, type InProcess, type Instance, requirePeer } from "./implementation.ts";
import { onnxInstance, type OrtModule } from "./onnxruntime.ts";

const PACKAGE = "onnxruntime-web";

/**
 * onnxruntime-web, WASM execution provider, single thread.
 *
 * @example
 * ```ts
 * if ((await onnxruntimeWeb.detect()) === true) {
 *   const instance = await onnxruntimeWeb.prepare(inputs);
 *   await instance.run();
 * }
 * ```
 */
export const onnxruntimeWeb: InProcess = {
  label: "ort-web",
  group: "peer-wasm",
  kind: "in-process",
  detect: () => detectPeer(PACKAGE),
  prepare(inputs: AttentionInputs): Promise<Instance> {
    const ort = requirePeer<OrtModule>(PACKAGE);
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    return onnxInstance(ort, inputs, { executionProviders: ["wasm"] });
  },
};

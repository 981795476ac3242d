/**
 * `onnxruntime-node`: the attention graph of `onnx_model.ts` on onnxruntime's native CPU execution
 * provider (MLAS kernels), one intra-op and one inter-op thread, sequential execution, all graph
 * optimisations on. Loads wherever Node-API addons load (Node, Deno, Bun).
 *
 * @example
 * ```ts
 * import { onnxruntimeNode } from "./onnxruntime_node.ts";
 * if ((await onnxruntimeNode.detect()) === true) {
 *   const instance = await onnxruntimeNode.prepare(inputs);
 *   await instance.run();
 * }
 * ```
 * @module
 */
import type { AttentionInputs } from "../../mod.ts";
import { detectPeer, type InProcess, type Instance, requirePeer } from "./implementation.ts";
import { onnxInstance, type OrtModule } from "./onnxruntime.ts";

const PACKAGE = "onnxruntime-node";

/**
 * onnxruntime-node, CPU execution provider, single thread.
 *
 * @example
 * ```ts
 * if ((await onnxruntimeNode.detect()) === true) {
 *   const instance = await onnxruntimeNode.prepare(inputs);
 *   await instance.run();
 * }
 * ```
 */
export const onnxruntimeNode: InProcess = {
  label: "ort-node",
  group: "peer-native",
  kind: "in-process",
  detect: () => detectPeer(PACKAGE),
  prepare(inputs: AttentionInputs): Promise<Instance> {
    return onnxInstance(requirePeer<OrtModule>(PACKAGE), inputs, {
      executionProviders: ["cpu"],
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: "sequential",
    });
  },
};

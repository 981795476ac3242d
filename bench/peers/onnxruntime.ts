/**
 * What onnxruntime-node and onnxruntime-web share: the slice of the `onnxruntime-common` API the
 * bench calls, and an {@link Instance} that runs the attention graph of `onnx_model.ts` in a
 * session created with the given options.
 *
 * @example
 * ```ts
 * import { requirePeer } from "./implementation.ts";
 * import { onnxInstance, type OrtModule } from "./onnxruntime.ts";
 * const ort = requirePeer<OrtModule>("onnxruntime-node");
 * const instance = await onnxInstance(ort, inputs, { intraOpNumThreads: 1 });
 * await instance.run();
 * ```
 * @module
 */
import type { AttentionInputs } from "../../mod.ts";
import type { Instance } from "./implementation.ts";
import { attentionModel } from "./onnx_model.ts";

/** An onnxruntime tensor, as far as the bench uses it. */
interface OrtTensor {
  readonly data: unknown;
  dispose?(): void;
}

/** An onnxruntime inference session, as far as the bench uses it. */
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

/**
 * The parts of `onnxruntime-node` / `onnxruntime-web` the bench calls.
 *
 * @example
 * ```ts
 * const ort = requirePeer<OrtModule>("onnxruntime-web");
 * ort.env.wasm.numThreads = 1;
 * ```
 */
export interface OrtModule {
  InferenceSession: { create(model: Uint8Array, options: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: "float32", data: Float32Array, dims: number[]) => OrtTensor;
  env: { wasm: { numThreads?: number; proxy?: boolean } };
}

/**
 * A session over the attention graph for the shape of `inputs`, with Q, K, V bound as tensors
 * (created once, outside the timed `run()`). Session options are the caller's: thread counts and
 * execution providers differ between the two packages.
 *
 * @example
 * ```ts
 * const instance = await onnxInstance(ort, inputs, { executionProviders: ["wasm"] });
 * ```
 */
export async function onnxInstance(
  ort: OrtModule,
  inputs: AttentionInputs,
  options: Record<string, unknown>,
): Promise<Instance> {
  const { seq_len: n, q_width: d } = inputs;
  const session = await ort.InferenceSession.create(attentionModel(n, d), {
    graphOptimizationLevel: "all",
    ...options,
  });
  const feeds = {
    q: new ort.Tensor("float32", inputs.q, [n, d]),
    k: new ort.Tensor("float32", inputs.k, [n, d]),
    v: new ort.Tensor("float32", inputs.v, [n, d]),
  };
  let last: OrtTensor | undefined;
  return {
    async run(): Promise<void> {
      last?.dispose?.();
      last = (await session.run(feeds)).o;
    },
    output(): Float32Array {
      if (!(last?.data instanceof Float32Array)) throw new Error("onnxruntime: no float32 output yet");
      return last.data;
    },
    async dispose(): Promise<void> {
      last?.dispose?.();
      await session.release();
    },
  };
}

/**
 * `@tensorflow/tfjs-backend-wasm`: TensorFlow.js ops on its WebAssembly backend (XNNPACK),
 * `tf.setBackend("wasm")` with `setThreadsCount(1)`. One call is
 * `matMul(softmax(matMul(Q, Kᵀ) · s), V)` inside `tf.tidy`; the result stays a tensor in WASM
 * memory until `output()` reads it back, so no read-back is timed.
 *
 * @example
 * ```ts
 * import { tfjsWasm } from "./tfjs_wasm.ts";
 * if ((await tfjsWasm.detect()) === true) {
 *   const instance = await tfjsWasm.prepare(inputs);
 *   instance.run();
 * }
 * ```
 * @module
 */
import type { AttentionInputs } from "../../mod.ts";
import { attentionScale } from "../../kernels/params.ts";
import { detectPeer, type InProcess, type Instance, requirePeer } from "./implementation.ts";

/** A tfjs tensor, as far as the bench uses it. */
interface TfTensor {
  dataSync(): Float32Array;
  dispose(): void;
}

/** The parts of `@tensorflow/tfjs-core` the bench calls. */
interface TfCore {
  setBackend(name: string): Promise<boolean>;
  getBackend(): string;
  ready(): Promise<void>;
  tensor2d(values: Float32Array, shape: [number, number], dtype: "float32"): TfTensor;
  scalar(value: number, dtype: "float32"): TfTensor;
  tidy(fn: () => TfTensor): TfTensor;
  matMul(a: TfTensor, b: TfTensor, transposeA: boolean, transposeB: boolean): TfTensor;
  mul(a: TfTensor, b: TfTensor): TfTensor;
  softmax(logits: TfTensor, dim: number): TfTensor;
}

const CORE = "@tensorflow/tfjs-core";
const WASM = "@tensorflow/tfjs-backend-wasm";

let backendReady: Promise<TfCore> | undefined;

/** tfjs-core with the WASM backend selected, single thread (done once per process). */
function wasmBackend(): Promise<TfCore> {
  backendReady ??= (async () => {
    const tf = requirePeer<TfCore>(CORE);
    requirePeer<{ setThreadsCount(count: number): void }>(WASM).setThreadsCount(1);
    if (!(await tf.setBackend("wasm"))) throw new Error("tf.setBackend('wasm') failed");
    await tf.ready();
    return tf;
  })();
  return backendReady;
}

/**
 * TensorFlow.js, WASM backend, single thread.
 *
 * @example
 * ```ts
 * if ((await tfjsWasm.detect()) === true) {
 *   const instance = await tfjsWasm.prepare(inputs);
 *   await instance.run();
 * }
 * ```
 */
export const tfjsWasm: InProcess = {
  label: "tfjs-wasm",
  group: "peer-wasm",
  kind: "in-process",
  async detect(): Promise<true | string> {
    for (const name of [CORE, WASM]) {
      const found = await detectPeer(name);
      if (found !== true) return found;
    }
    return true;
  },
  async prepare(inputs: AttentionInputs): Promise<Instance> {
    const tf = await wasmBackend();
    const { seq_len: n, q_width: d } = inputs;
    const q = tf.tensor2d(inputs.q, [n, d], "float32");
    const k = tf.tensor2d(inputs.k, [n, d], "float32");
    const v = tf.tensor2d(inputs.v, [n, d], "float32");
    const scale = tf.scalar(attentionScale(d), "float32");
    let last: TfTensor | undefined;
    return {
      run(): void {
        last?.dispose();
        last = tf.tidy(() =>
          tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), scale), -1), v, false, false)
        );
      },
      output(): Float32Array {
        if (last === undefined) throw new Error("tfjs-wasm: no output yet");
        return last.dataSync();
      },
      dispose(): void {
        last?.dispose();
        for (const tensor of [q, k, v, scale]) tensor.dispose();
      },
    };
  },
};

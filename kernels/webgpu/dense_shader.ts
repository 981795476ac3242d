/**
 * WGSL of the WebGPU `softmax` kernel: dense attention that materialises the seq_len × seq_len
 * weights in a storage buffer, as the reference `attn_softmax` does. One workgroup of
 * {@link DENSE_WORKGROUP} invocations per query row; the sizes, the scale and the mask are baked
 * into the text as constants, so each prepared shape compiles its own pipeline.
 *
 * A workgroup copies its query row into workgroup memory, then (1) its invocations take keys
 * `lane, lane + 64, ...`: logit `q·k · scale` into the weights row, keeping the largest, and a
 * tree reduction gives the row max; (2) each replaces its logits by `exp(logit − max)` and the
 * reduction sums them; (3) each takes output columns `lane, lane + 64, ...` and sums weight × V
 * over the row's keys, then divides by the sum. All arithmetic is f32.
 *
 * @example
 * ```ts
 * import { denseShader } from "./dense_shader.ts";
 * const code = denseShader({ seq_len: 33, d: 17, causal: true });
 * // device.createShaderModule({ code }); bindings: q, k, v (read), weights, out (read_write)
 * ```
 * @module
 */
import { attentionScale } from "../params.ts";
import { f32Constant, storageBindings } from "./wgsl.ts";

/** Invocations per workgroup (a power of two, for the tree reduction). */
const DENSE_WORKGROUP = 64;

/**
 * The dense kernel's shape.
 *
 * @example
 * ```ts
 * const shape: DenseShaderShape = { seq_len: 512, d: 64, causal: false };
 * ```
 */
export interface DenseShaderShape {
  seq_len: number;
  d: number;
  causal: boolean;
}

/**
 * Bytes of workgroup memory the dense shader declares: the query row and the reduction slots.
 *
 * @example
 * ```ts
 * denseWorkgroupBytes(64); // 4·64 + 4·64 = 512
 * ```
 */
export function denseWorkgroupBytes(d: number): number {
  return 4 * (d + DENSE_WORKGROUP);
}

/**
 * The WGSL source for one shape. Bindings: 0 `q`, 1 `k`, 2 `v` (read), 3 `weights` (seq_len²
 * floats), 4 `out` (read_write). Dispatch `seq_len` workgroups.
 *
 * @example
 * ```ts
 * denseShader({ seq_len: 7, d: 3, causal: false }).includes("const SEQ_LEN: u32 = 7u;"); // true
 * ```
 */
export function denseShader(shape: DenseShaderShape): string {
  return `
const SEQ_LEN: u32 = ${shape.seq_len}u;
const HEAD_DIM: u32 = ${shape.d}u;
const WORKGROUP: u32 = ${DENSE_WORKGROUP}u;
const SCALE: f32 = ${f32Constant(attentionScale(shape.d))};
const LOWEST: f32 = ${f32Constant(-3.4028234663852886e38)};

${storageBindings(["q", "k", "v"], ["weights", "out"])}

var<workgroup> query: array<f32, HEAD_DIM>;
var<workgroup> partial: array<f32, WORKGROUP>;

// The max (or the sum) of every invocation's value, returned to all of them.
fn reduce(lane: u32, value: f32, take_max: bool) -> f32 {
  partial[lane] = value;
  workgroupBarrier();
  for (var stride = WORKGROUP / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) {
      let other = partial[lane + stride];
      partial[lane] = select(partial[lane] + other, max(partial[lane], other), take_max);
    }
    workgroupBarrier();
  }
  let result = partial[0];
  workgroupBarrier();
  return result;
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lane: u32) {
  let row = group.x;
  let key_end = ${shape.causal ? "row + 1u" : "SEQ_LEN"};
  let weights_at = row * SEQ_LEN;
  for (var x = lane; x < HEAD_DIM; x += WORKGROUP) {
    query[x] = q[row * HEAD_DIM + x];
  }
  workgroupBarrier();

  var local_max = LOWEST;
  for (var key = lane; key < key_end; key += WORKGROUP) {
    var dot = 0.0;
    for (var x = 0u; x < HEAD_DIM; x++) {
      dot += query[x] * k[key * HEAD_DIM + x];
    }
    let logit = dot * SCALE;
    weights[weights_at + key] = logit;
    local_max = max(local_max, logit);
  }
  let row_max = reduce(lane, local_max, true);

  var local_sum = 0.0;
  for (var key = lane; key < key_end; key += WORKGROUP) {
    let weight = exp(weights[weights_at + key] - row_max);
    weights[weights_at + key] = weight;
    local_sum += weight;
  }
  let row_sum = reduce(lane, local_sum, false);
  storageBarrier();

  for (var x = lane; x < HEAD_DIM; x += WORKGROUP) {
    var acc = 0.0;
    for (var key = 0u; key < key_end; key++) {
      acc += weights[weights_at + key] * v[key * HEAD_DIM + x];
    }
    out[row * HEAD_DIM + x] = acc / row_sum;
  }
}
`;
}

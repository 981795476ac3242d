/**
 * WGSL of the WebGPU `flash` and `multihead` kernels: tiled attention with online softmax
 * (FlashAttention's scheme), with grouped-query heads. No seq_len² weights exist anywhere.
 *
 * One workgroup per block of up to {@link QUERY_BLOCK} query rows of one head (dispatch
 * `ceil(seq_len / block) × heads`); each invocation owns one query row, holding the row, its f32
 * accumulator and a running max and sum in private memory. Keys stream through one workgroup
 * array of `key_tile × head_dim` floats: the workgroup loads a K tile into it and each invocation
 * scores its row against the tile's keys (`q·k · scale`, kept privately); the workgroup then
 * loads the V tile into the same array and each invocation raises its max to the tile's, rescales
 * its sum and accumulator by `exp(old max − new max)` and adds `exp(score − max) · v` for each key.
 * After the last tile it writes `accumulator / sum`. Query head `h` reads KV head
 * `floor(h / (heads / kv_heads))`; Q, K, V and the output are token-major, head `h` of token `i`
 * at `i · width + h · head_dim`. Under the causal mask a block stops at its last row's keys and
 * each row at its own.
 *
 * @example
 * ```ts
 * import { tiledShader } from "./tiled_shader.ts";
 * const code = tiledShader({ seq_len: 65, heads: 3, kv_heads: 1, head_dim: 5, key_tile: 16, causal: true });
 * // bindings: q, k, v (read), out (read_write); dispatch (ceil(65 / queryBlock(65)), 3)
 * ```
 * @module
 */
import { attentionScale } from "../params.ts";
import { f32Constant, storageBindings } from "./wgsl.ts";

/** Query rows (invocations) a workgroup takes at most. */
const QUERY_BLOCK = 64;

/**
 * The tiled kernel's shape: `key_tile` keys go through workgroup memory at a time.
 *
 * @example
 * ```ts
 * const flashShape: TiledShaderShape = { seq_len: 512, heads: 1, kv_heads: 1, head_dim: 64, key_tile: 64, causal: false };
 * ```
 */
export interface TiledShaderShape {
  seq_len: number;
  heads: number;
  kv_heads: number;
  head_dim: number;
  key_tile: number;
  causal: boolean;
}

/**
 * Invocations per workgroup: {@link QUERY_BLOCK}, or the sequence length when shorter.
 *
 * @example
 * ```ts
 * queryBlock(7); // 7
 * ```
 */
export function queryBlock(seqLen: number): number {
  return Math.min(QUERY_BLOCK, seqLen);
}

/**
 * Bytes of workgroup memory the shader declares: one tile of `key_tile × head_dim` floats.
 *
 * @example
 * ```ts
 * tiledWorkgroupBytes(64, 64); // 16384
 * ```
 */
export function tiledWorkgroupBytes(keyTile: number, headDim: number): number {
  return 4 * keyTile * headDim;
}

/**
 * Bytes of private memory each invocation declares: its query row, accumulator and tile scores.
 *
 * @example
 * ```ts
 * tiledPrivateBytes(64, 64); // 4·(64 + 64 + 64) = 768
 * ```
 */
export function tiledPrivateBytes(keyTile: number, headDim: number): number {
  return 4 * (2 * headDim + keyTile);
}

/**
 * The WGSL source for one shape. Bindings: 0 `q`, 1 `k`, 2 `v` (read), 3 `out` (read_write).
 *
 * @example
 * ```ts
 * tiledShader({ seq_len: 7, heads: 1, kv_heads: 1, head_dim: 3, key_tile: 2, causal: false })
 *   .includes("const KEY_TILE: u32 = 2u;"); // true
 * ```
 */
export function tiledShader(shape: TiledShaderShape): string {
  const { head_dim: d, heads, kv_heads: kvHeads } = shape;
  return `
const SEQ_LEN: u32 = ${shape.seq_len}u;
const HEAD_DIM: u32 = ${d}u;
const GROUP: u32 = ${heads / kvHeads}u;
const Q_WIDTH: u32 = ${heads * d}u;
const KV_WIDTH: u32 = ${kvHeads * d}u;
const KEY_TILE: u32 = ${shape.key_tile}u;
const QUERY_BLOCK: u32 = ${queryBlock(shape.seq_len)}u;
const SCALE: f32 = ${f32Constant(attentionScale(d))};
const LOWEST: f32 = ${f32Constant(-3.4028234663852886e38)};

${storageBindings(["q", "k", "v"], ["out"])}

var<workgroup> tile: array<f32, KEY_TILE * HEAD_DIM>;

@compute @workgroup_size(QUERY_BLOCK)
fn main(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) lane: u32) {
  let head = group.y;
  let kv_column = (head / GROUP) * HEAD_DIM;
  let first_row = group.x * QUERY_BLOCK;
  let row = first_row + lane;
  let in_range = row < SEQ_LEN;
  let q_at = row * Q_WIDTH + head * HEAD_DIM;
  let block_end = ${shape.causal ? "min(SEQ_LEN, first_row + QUERY_BLOCK)" : "SEQ_LEN"};
  let row_end = ${shape.causal ? "row + 1u" : "SEQ_LEN"};

  var query: array<f32, HEAD_DIM>;
  var acc: array<f32, HEAD_DIM>;
  var scores: array<f32, KEY_TILE>;
  if (in_range) {
    for (var x = 0u; x < HEAD_DIM; x++) {
      query[x] = q[q_at + x];
    }
  }
  var row_max = LOWEST;
  var row_sum = 0.0;

  for (var key0 = 0u; key0 < block_end; key0 += KEY_TILE) {
    let count = select(0u, min(KEY_TILE, row_end - key0), in_range && row_end > key0);
${loadTile("k")}
    workgroupBarrier();
    var tile_max = row_max;
    for (var t = 0u; t < count; t++) {
      var dot = 0.0;
      for (var x = 0u; x < HEAD_DIM; x++) {
        dot += query[x] * tile[t * HEAD_DIM + x];
      }
      scores[t] = dot * SCALE;
      tile_max = max(tile_max, scores[t]);
    }
    workgroupBarrier();
${loadTile("v")}
    workgroupBarrier();
    if (count > 0u) {
      // Before the row's first key there is nothing to rescale (and exp(LOWEST − max) is no number to trust).
      let correction = select(exp(row_max - tile_max), 0.0, row_max == LOWEST);
      row_sum *= correction;
      for (var x = 0u; x < HEAD_DIM; x++) {
        acc[x] *= correction;
      }
      for (var t = 0u; t < count; t++) {
        let weight = exp(scores[t] - tile_max);
        row_sum += weight;
        for (var x = 0u; x < HEAD_DIM; x++) {
          acc[x] += weight * tile[t * HEAD_DIM + x];
        }
      }
      row_max = tile_max;
    }
    workgroupBarrier();
  }

  if (in_range) {
    for (var x = 0u; x < HEAD_DIM; x++) {
      out[q_at + x] = acc[x] / row_sum;
    }
  }
}
`;
}

/** WGSL that copies keys `[key0, key0 + KEY_TILE)` of this KV head from `source` into `tile`. */
function loadTile(source: "k" | "v"): string {
  return `    for (var e = lane; e < KEY_TILE * HEAD_DIM; e += QUERY_BLOCK) {
      let key = key0 + e / HEAD_DIM;
      if (key < SEQ_LEN) {
        tile[e] = ${source}[key * KV_WIDTH + kv_column + e % HEAD_DIM];
      }
    }`;
}

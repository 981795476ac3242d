// @ts-nocheck: AssemblyScript, whose types (f32, v128, f32x4, ...) asc checks; Deno and tsc do not know them.
/**
 * Dense attention for WebAssembly SIMD, compiled with AssemblyScript (`npm run build:wasm`) into
 * `kernels/wasm/build/attention.wasm` and driven by `../attention.ts`.
 *
 * Every pointer is a byte offset into the one imported linear memory, which the caller lays out
 * and fills: Q, K and V one head after another, each token row zero-padded to `rowBytes` (a
 * multiple of 32, so eight floats at a time need no tail) and followed by three zero rows (so a
 * block of four query rows or a pair of keys may run past the last token); the output compact,
 * token-major, `heads · d` floats a token; and the scratch named by each export.
 *
 * The work is done four query rows at a time. Scores: the four rows against two keys at once, so
 * each K load serves four rows and each Q load two keys, eight f32x4 accumulators summed across
 * lanes at the end. Weights: `exp` on f32x4 with one lane per row. Values: the four rows' outputs,
 * eight floats of each at a time, take in every key's V row, so each V load serves four rows.
 * Arithmetic is f32; the results agree with the f64 JavaScript kernels within 1e-5.
 *
 * @example
 * ```ts
 * // From JavaScript, after laying out the memory (see ../attention.ts):
 * // instance.exports.dense(q, k, v, out, scores, acc, n, d, rowBytes, headBytes, heads, group, 0, scale);
 * ```
 * @module
 */

const NEG_INF: f32 = f32.NEGATIVE_INFINITY;
const LOG2E: f32 = 1.4426950408889634;
/** ln 2 split in two: the high part has 9 significant bits, so `k · LN2_HI` is exact for |k| < 2^15. */
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.1219444005469057e-4;
/**
 * Arguments below this give weight 0: e^-80 < 2e-35 cannot move a sum that is at least 1, and
 * keeping weights that small out keeps their products with V clear of subnormals, which are slow.
 */
const CUTOFF: f32 = -80;

/**
 * e^x for each lane, for x ≤ 0: x = k·ln 2 + r with |r| ≤ ln 2 / 2, e^r by its Taylor polynomial
 * of degree 7 (truncation below 6e-9 relative), times 2^k built in the exponent bits. Lanes below
 * {@link CUTOFF}, -∞ and NaN (a masked score minus a masked maximum) give 0.
 */
function expNonPositive(x: v128): v128 {
  const k = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(k, f32x4.splat(LN2_HI))), f32x4.mul(k, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(<f32> (1.0 / 5040));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32> (1.0 / 720)));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32> (1.0 / 120)));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32> (1.0 / 24)));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32> (1.0 / 6)));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32> 0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32> 1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32> 1));
  const pow2 = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(k), i32x4.splat(127)), 23);
  return v128.and(f32x4.mul(p, pow2), f32x4.ge(x, f32x4.splat(CUTOFF)));
}

/** Lane r of the result is the sum of the four lanes of `a_r`. */
function sumLanes(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const s01 = f32x4.add(f32x4.shuffle(a0, a1, 0, 4, 1, 5), f32x4.shuffle(a0, a1, 2, 6, 3, 7));
  const s23 = f32x4.add(f32x4.shuffle(a2, a3, 0, 4, 1, 5), f32x4.shuffle(a2, a3, 2, 6, 3, 7));
  return f32x4.add(f32x4.shuffle(s01, s23, 0, 1, 4, 5), f32x4.shuffle(s01, s23, 2, 3, 6, 7));
}

/**
 * Scaled scores of the four query rows at `q` against `keys` (even) keys from `k`, whose first is
 * token `first`: `scores[j]` is a vector with one lane per row. Lane r of key `first + j` is -∞
 * unless that index is below `limits` lane r. Returns the lane-wise maximum.
 */
function scoreKeys(
  q: usize,
  k: usize,
  rowBytes: usize,
  keys: i32,
  first: i32,
  limits: v128,
  scale: v128,
  scores: usize,
): v128 {
  const q1 = q + rowBytes, q2 = q1 + rowBytes, q3 = q2 + rowBytes;
  const masked = f32x4.splat(NEG_INF);
  let max = masked;
  let key = k;
  for (let j = 0; j < keys; j += 2) {
    const next = key + rowBytes;
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    for (let c: usize = 0; c < rowBytes; c += 32) { // eight floats a turn: rowBytes is a multiple of 32
      let x = v128.load(key + c), y = v128.load(next + c);
      let row = v128.load(q + c);
      a0 = f32x4.add(a0, f32x4.mul(row, x));
      b0 = f32x4.add(b0, f32x4.mul(row, y));
      row = v128.load(q1 + c);
      a1 = f32x4.add(a1, f32x4.mul(row, x));
      b1 = f32x4.add(b1, f32x4.mul(row, y));
      row = v128.load(q2 + c);
      a2 = f32x4.add(a2, f32x4.mul(row, x));
      b2 = f32x4.add(b2, f32x4.mul(row, y));
      row = v128.load(q3 + c);
      a3 = f32x4.add(a3, f32x4.mul(row, x));
      b3 = f32x4.add(b3, f32x4.mul(row, y));
      x = v128.load(key + c, 16);
      y = v128.load(next + c, 16);
      row = v128.load(q + c, 16);
      a0 = f32x4.add(a0, f32x4.mul(row, x));
      b0 = f32x4.add(b0, f32x4.mul(row, y));
      row = v128.load(q1 + c, 16);
      a1 = f32x4.add(a1, f32x4.mul(row, x));
      b1 = f32x4.add(b1, f32x4.mul(row, y));
      row = v128.load(q2 + c, 16);
      a2 = f32x4.add(a2, f32x4.mul(row, x));
      b2 = f32x4.add(b2, f32x4.mul(row, y));
      row = v128.load(q3 + c, 16);
      a3 = f32x4.add(a3, f32x4.mul(row, x));
      b3 = f32x4.add(b3, f32x4.mul(row, y));
    }
    const index = i32x4.splat(first + j);
    const s0 = v128.bitselect(f32x4.mul(sumLanes(a0, a1, a2, a3), scale), masked, i32x4.lt_s(index, limits));
    const s1 = v128.bitselect(
      f32x4.mul(sumLanes(b0, b1, b2, b3), scale),
      masked,
      i32x4.lt_s(i32x4.add(index, i32x4.splat(1)), limits),
    );
    v128.store(scores, s0);
    v128.store(scores, s1, 16);
    max = f32x4.pmax(max, f32x4.pmax(s0, s1));
    scores += 32;
    key = next + rowBytes;
  }
  return max;
}

/** Replaces `keys` score vectors by `exp(score − max)` lane-wise and returns their lane-wise sum. */
function expScores(scores: usize, keys: i32, max: v128): v128 {
  let sum = f32x4.splat(0);
  for (let j = 0; j < keys; j++) {
    const w = expNonPositive(f32x4.sub(v128.load(scores), max));
    v128.store(scores, w);
    sum = f32x4.add(sum, w);
    scores += 16;
  }
  return sum;
}

/**
 * Four accumulator rows at `acc` (`rowBytes` apart), each first multiplied by its lane of
 * `correction`, take in `Σ_j weights[j] · V[j]` over `keys` value rows from `v`.
 */
function accumulate(
  acc: usize,
  v: usize,
  rowBytes: usize,
  weights: usize,
  keys: i32,
  correction: v128,
): void {
  const c0 = f32x4.shuffle(correction, correction, 0, 0, 0, 0);
  const c1 = f32x4.shuffle(correction, correction, 1, 1, 1, 1);
  const c2 = f32x4.shuffle(correction, correction, 2, 2, 2, 2);
  const c3 = f32x4.shuffle(correction, correction, 3, 3, 3, 3);
  const acc1 = acc + rowBytes, acc2 = acc1 + rowBytes, acc3 = acc2 + rowBytes;
  for (let c: usize = 0; c < rowBytes; c += 32) {
    let a0 = f32x4.mul(v128.load(acc + c), c0), b0 = f32x4.mul(v128.load(acc + c, 16), c0);
    let a1 = f32x4.mul(v128.load(acc1 + c), c1), b1 = f32x4.mul(v128.load(acc1 + c, 16), c1);
    let a2 = f32x4.mul(v128.load(acc2 + c), c2), b2 = f32x4.mul(v128.load(acc2 + c, 16), c2);
    let a3 = f32x4.mul(v128.load(acc3 + c), c3), b3 = f32x4.mul(v128.load(acc3 + c, 16), c3);
    let value = v + c, w = weights;
    for (let j = 0; j < keys; j++) {
      const x = v128.load(value), y = v128.load(value, 16);
      let weight = v128.load32_splat(w);
      a0 = f32x4.add(a0, f32x4.mul(weight, x));
      b0 = f32x4.add(b0, f32x4.mul(weight, y));
      weight = v128.load32_splat(w, 4);
      a1 = f32x4.add(a1, f32x4.mul(weight, x));
      b1 = f32x4.add(b1, f32x4.mul(weight, y));
      weight = v128.load32_splat(w, 8);
      a2 = f32x4.add(a2, f32x4.mul(weight, x));
      b2 = f32x4.add(b2, f32x4.mul(weight, y));
      weight = v128.load32_splat(w, 12);
      a3 = f32x4.add(a3, f32x4.mul(weight, x));
      b3 = f32x4.add(b3, f32x4.mul(weight, y));
      value += rowBytes;
      w += 16;
    }
    v128.store(acc + c, a0);
    v128.store(acc + c, b0, 16);
    v128.store(acc1 + c, a1);
    v128.store(acc1 + c, b1, 16);
    v128.store(acc2 + c, a2);
    v128.store(acc2 + c, b2, 16);
    v128.store(acc3 + c, a3);
    v128.store(acc3 + c, b3, 16);
  }
}

/** Writes the first `d` floats of `src` times `factor` (all lanes equal) to `dst`. */
function storeRow(src: usize, factor: v128, dst: usize, d: i32): void {
  let h = 0;
  for (; h + 4 <= d; h += 4) {
    v128.store(dst + (<usize> h << 2), f32x4.mul(v128.load(src + (<usize> h << 2)), factor));
  }
  const f = f32x4.extract_lane(factor, 0);
  for (; h < d; h++) store<f32>(dst + (<usize> h << 2), load<f32>(src + (<usize> h << 2)) * f);
}

/** Writes the first `rows` (1 to 4) accumulator rows divided by their lane of `sums` to `out`. */
function storeRows(
  acc: usize,
  rowBytes: usize,
  sums: v128,
  out: usize,
  outStride: usize,
  d: i32,
  rows: i32,
): void {
  const inv = f32x4.div(f32x4.splat(1), sums);
  storeRow(acc, f32x4.shuffle(inv, inv, 0, 0, 0, 0), out, d);
  if (rows > 1) storeRow(acc + rowBytes, f32x4.shuffle(inv, inv, 1, 1, 1, 1), out + outStride, d);
  if (rows > 2) storeRow(acc + 2 * rowBytes, f32x4.shuffle(inv, inv, 2, 2, 2, 2), out + 2 * outStride, d);
  if (rows > 3) storeRow(acc + 3 * rowBytes, f32x4.shuffle(inv, inv, 3, 3, 3, 3), out + 3 * outStride, d);
}

/** Key limits of query rows `i .. i + 3`: `i + r + 1` when causal, else `n`; never above `end`. */
function rowLimits(i: i32, n: i32, causal: bool, end: i32): v128 {
  const own = causal ? i32x4.add(i32x4.splat(i), i32x4(1, 2, 3, 4)) : i32x4.splat(n);
  return i32x4.min_s(own, i32x4.splat(end));
}

/**
 * Exact softmax attention (`softmax`, and `multihead` with grouped-query heads), four query rows
 * at a time, two passes over the keys. Query head `h` reads KV head `h / group`; each head takes
 * `headBytes` in Q, K and V. Scratch: `scores` holds 16 bytes per key (n rounded up to even),
 * `acc` four rows.
 *
 * @example
 * ```ts
 * // One head, d = 64, non-causal, laid out as ../attention.ts does:
 * // exports.dense(q, k, v, out, scores, acc, 512, 64, 256, 515 * 256, 1, 1, 0, 0.125);
 * ```
 */
export function dense(
  q: usize,
  k: usize,
  v: usize,
  out: usize,
  scores: usize,
  acc: usize,
  n: i32,
  d: i32,
  rowBytes: usize,
  headBytes: usize,
  heads: i32,
  group: i32,
  causal: bool,
  scale: f32,
): void {
  const scaleLanes = f32x4.splat(scale);
  const ones = f32x4.splat(1);
  const outStride = <usize> (heads * d) << 2;
  for (let h = 0; h < heads; h++) {
    const qHead = q + <usize> h * headBytes;
    const kvOffset = <usize> (h / group) * headBytes;
    const outHead = out + (<usize> (h * d) << 2);
    for (let i = 0; i < n; i += 4) {
      const end = causal ? min(i + 4, n) : n;
      const keys = (end + 1) & ~1;
      const limits = rowLimits(i, n, causal, end);
      const max = scoreKeys(
        qHead + <usize> i * rowBytes,
        k + kvOffset,
        rowBytes,
        keys,
        0,
        limits,
        scaleLanes,
        scores,
      );
      const sums = expScores(scores, keys, max);
      memory.fill(acc, 0, rowBytes << 2);
      accumulate(acc, v + kvOffset, rowBytes, scores, keys, ones);
      storeRows(acc, rowBytes, sums, outHead + <usize> i * outStride, outStride, d, min(4, n - i));
    }
  }
}

/**
 * Tiled attention with online softmax (`flash`), one head: blocks of `b = min(tile, n)` query
 * rows stream key tiles of `b` keys; each block row keeps a running maximum and sum, and its
 * accumulator is rescaled by `exp(old max − new max)` as the maximum grows. Scratch: `scores`
 * holds 16 bytes per key of a tile (b rounded up to even); `acc` holds b rows, and `rowMax` and
 * `rowSum` b floats each, with b rounded up to a multiple of four.
 *
 * @example
 * ```ts
 * // d = 64, tile 64, causal, laid out as ../attention.ts does:
 * // exports.flash(q, k, v, out, scores, acc, rowMax, rowSum, 512, 64, 256, 64, 1, 0.125);
 * ```
 */
export function flash(
  q: usize,
  k: usize,
  v: usize,
  out: usize,
  scores: usize,
  acc: usize,
  rowMax: usize,
  rowSum: usize,
  n: i32,
  d: i32,
  rowBytes: usize,
  tile: i32,
  causal: bool,
  scale: f32,
): void {
  const scaleLanes = f32x4.splat(scale);
  const block = min(tile, n);
  const blockRows = (block + 3) & ~3;
  const outStride = <usize> d << 2;
  for (let i0 = 0; i0 < n; i0 += block) {
    const rows = min(block, n - i0);
    memory.fill(acc, 0, <usize> blockRows * rowBytes);
    for (let r = 0; r < blockRows; r += 4) {
      v128.store(rowMax + (<usize> r << 2), f32x4.splat(NEG_INF));
      v128.store(rowSum + (<usize> r << 2), f32x4.splat(0));
    }
    const keyEnd = causal ? i0 + rows : n;
    for (let j0 = 0; j0 < keyEnd; j0 += block) {
      const tileEnd = min(j0 + block, keyEnd);
      for (let r = 0; r < rows; r += 4) {
        const i = i0 + r;
        const end = causal ? min(tileEnd, i + 4) : tileEnd;
        if (end <= j0) continue;
        const keys = (end - j0 + 1) & ~1;
        const limits = rowLimits(i, n, causal, end);
        const keyRows = <usize> j0 * rowBytes;
        const tileMax = scoreKeys(
          q + <usize> i * rowBytes,
          k + keyRows,
          rowBytes,
          keys,
          j0,
          limits,
          scaleLanes,
          scores,
        );
        const maxAt = rowMax + (<usize> r << 2), sumAt = rowSum + (<usize> r << 2);
        const oldMax = v128.load(maxAt);
        const newMax = f32x4.pmax(oldMax, tileMax);
        const correction = expNonPositive(f32x4.sub(oldMax, newMax));
        const sums = expScores(scores, keys, newMax);
        v128.store(sumAt, f32x4.add(f32x4.mul(v128.load(sumAt), correction), sums));
        v128.store(maxAt, newMax);
        accumulate(acc + <usize> r * rowBytes, v + keyRows, rowBytes, scores, keys, correction);
      }
    }
    for (let r = 0; r < rows; r += 4) {
      const sums = v128.load(rowSum + (<usize> r << 2));
      const outRow = out + <usize> (i0 + r) * outStride;
      storeRows(acc + <usize> r * rowBytes, rowBytes, sums, outRow, outStride, d, min(4, rows - r));
    }
  }
}

export * from "./mincut";

// @ts-nocheck: AssemblyScript, whose types (f32, v128, f32x4, ...) asc checks; Deno and tsc do not know them.
/**
 * The min-cut kernel's WebAssembly half (driven by ../../mincut/wasm_mincut.ts), exported through
 * ./attention.ts: each function reproduces its JS counterpart bit for bit. The exact f32 logits
 * and weights × V keep the reference's order of accumulation in every SIMD lane; the masked row
 * softmax computes e^x in f64 and rounds it exactly as `Math.fround(Math.exp(x))` (calling the
 * host's `Math.exp` for the rare inputs it cannot vouch for); the hysteresis works on the masks in
 * place. Pointers are byte offsets into the imported memory, laid out by the caller.
 *
 * @example
 * ```ts
 * // exports.exact_logits(q, kb, logits, 512, 64, 0.125); exports.masked_softmax(logits, mask, keys, 512);
 * ```
 * @module
 */

const NEG_INF: f32 = f32.NEGATIVE_INFINITY;

/**
 * The min-cut kernel's logits, bit for bit as the reference computes them in f32 (ruvector.md
 * §1.4): for each (i, j), `dot` = f32 sum over h ascending of f32 products `q[i][h] · k[j][h]`,
 * starting from +0, then `dot · scale` in f32. Each SIMD lane carries one key's dot product, so
 * every lane keeps the reference's order of accumulation: lanes change nothing but how many dots
 * run at once. `q` is n × d compact; `kb` holds K in blocks of four keys, `kb[(b·d + h)·4 + l]` =
 * K[4b + l][h] (the last block zero-padded); `out` is n × n compact. Two query rows at a time, so
 * each K load serves both.
 *
 * @example
 * ```ts
 * // exports.exact_logits(q, kb, out, 512, 64, 0.125);
 * ```
 */
export function exact_logits(q: usize, kb: usize, out: usize, n: i32, d: i32, scale: f32): void {
  const scaleLanes = f32x4.splat(scale);
  const blocks = (n + 3) >> 2;
  const rowBytes = <usize> n << 2;
  for (let i = 0; i < n; i += 2) {
    const second = i + 1 < n;
    const q0 = q + (<usize> (i * d) << 2);
    const q1 = second ? q0 + (<usize> d << 2) : q0;
    const out0 = out + <usize> i * rowBytes;
    let b = 0;
    // Two blocks (eight keys) at a time: four independent sums, so that no add waits on the last.
    for (; b + 1 < blocks; b += 2) {
      let k = kb + (<usize> (b * d) << 4);
      const next = <usize> d << 4;
      let acc00 = f32x4.splat(0), acc01 = acc00, acc10 = acc00, acc11 = acc00;
      for (let h = 0; h < d; h++) {
        const keys0 = v128.load(k);
        const keys1 = v128.load(k + next);
        const x0 = f32x4.splat(load<f32>(q0 + (<usize> h << 2)));
        const x1 = f32x4.splat(load<f32>(q1 + (<usize> h << 2)));
        acc00 = f32x4.add(acc00, f32x4.mul(x0, keys0));
        acc01 = f32x4.add(acc01, f32x4.mul(x0, keys1));
        acc10 = f32x4.add(acc10, f32x4.mul(x1, keys0));
        acc11 = f32x4.add(acc11, f32x4.mul(x1, keys1));
        k += 16;
      }
      storeLogits(out0 + (<usize> b << 4), f32x4.mul(acc00, scaleLanes), n - (b << 2));
      storeLogits(out0 + (<usize> (b + 1) << 4), f32x4.mul(acc01, scaleLanes), n - ((b + 1) << 2));
      if (second) {
        storeLogits(out0 + rowBytes + (<usize> b << 4), f32x4.mul(acc10, scaleLanes), n - (b << 2));
        storeLogits(out0 + rowBytes + (<usize> (b + 1) << 4), f32x4.mul(acc11, scaleLanes), n - ((b + 1) << 2));
      }
    }
    for (; b < blocks; b++) {
      let k = kb + (<usize> (b * d) << 4);
      let acc0 = f32x4.splat(0);
      let acc1 = f32x4.splat(0);
      for (let h = 0; h < d; h++) {
        const keys = v128.load(k);
        acc0 = f32x4.add(acc0, f32x4.mul(f32x4.splat(load<f32>(q0 + (<usize> h << 2))), keys));
        acc1 = f32x4.add(acc1, f32x4.mul(f32x4.splat(load<f32>(q1 + (<usize> h << 2))), keys));
        k += 16;
      }
      storeLogits(out0 + (<usize> b << 4), f32x4.mul(acc0, scaleLanes), n - (b << 2));
      if (second) storeLogits(out0 + rowBytes + (<usize> b << 4), f32x4.mul(acc1, scaleLanes), n - (b << 2));
    }
  }
}

/** Stores the first min(4, `left`) lanes of `lanes` at `at`. */
function storeLogits(at: usize, lanes: v128, left: i32): void {
  if (left >= 4) {
    v128.store(at, lanes);
    return;
  }
  store<f32>(at, f32x4.extract_lane(lanes, 0));
  if (left > 1) store<f32>(at + 4, f32x4.extract_lane(lanes, 1));
  if (left > 2) store<f32>(at + 8, f32x4.extract_lane(lanes, 2));
}

/**
 * The min-cut kernel's `weights × V` in exact reference f32 order, bit-identical to
 * `weightsTimesV` in ../../mincut/masked_attention.ts: `out[i·d + h]` starts at 0 and takes in
 * `f32(w[i][j] · V[j][h])` with one f32 add for each key j in ascending order whose weight is
 * not 0 (so non-finite values in unattended V rows never reach it). Each lane carries one `h`, so
 * the order per output value is the reference's. `weights` is n × n, `v` and `out` n × d, all
 * compact and row-major; `keys` is scratch for n i32 (one row's attended keys).
 *
 * @example
 * ```ts
 * // exports.exact_weights_v(weights, v, out, keys, 512, 64);
 * ```
 */
export function exact_weights_v(weights: usize, v: usize, out: usize, keys: usize, n: i32, d: i32): void {
  const rowBytes = <usize> d << 2;
  for (let i = 0; i < n; i++) {
    const w = weights + ((<usize> i * <usize> n) << 2);
    // Branch-free gather: every j is written, the count only moves past the attended ones.
    let count = 0;
    for (let j = 0; j < n; j++) {
      store<i32>(keys + (<usize> count << 2), j);
      count += i32(load<f32>(w + (<usize> j << 2)) != 0);
    }
    const o = out + <usize> i * rowBytes;
    let h = 0;
    for (; h + 16 <= d; h += 16) weightedRowsWide(w, v, o, keys, count, rowBytes, <usize> h << 2);
    for (; h + 4 <= d; h += 4) {
      const at = <usize> h << 2;
      let acc = f32x4.splat(0);
      for (let c = 0; c < count; c++) {
        const j = load<i32>(keys + (<usize> c << 2));
        const weight = v128.load32_splat(w + (<usize> j << 2));
        acc = f32x4.add(acc, f32x4.mul(weight, v128.load(v + <usize> j * rowBytes + at)));
      }
      v128.store(o + at, acc);
    }
    for (; h < d; h++) {
      const at = <usize> h << 2;
      let acc: f32 = 0;
      for (let c = 0; c < count; c++) {
        const j = load<i32>(keys + (<usize> c << 2));
        acc += load<f32>(w + (<usize> j << 2)) * load<f32>(v + <usize> j * rowBytes + at);
      }
      store<f32>(o + at, acc);
    }
  }
}

/** Sixteen output values from byte `at` of row `o`, over the `count` attended keys in `keys`. */
function weightedRowsWide(w: usize, v: usize, o: usize, keys: usize, count: i32, rowBytes: usize, at: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  for (let c = 0; c < count; c++) {
    const j = load<i32>(keys + (<usize> c << 2));
    const weight = v128.load32_splat(w + (<usize> j << 2));
    const row = v + <usize> j * rowBytes + at;
    a0 = f32x4.add(a0, f32x4.mul(weight, v128.load(row)));
    a1 = f32x4.add(a1, f32x4.mul(weight, v128.load(row, 16)));
    a2 = f32x4.add(a2, f32x4.mul(weight, v128.load(row, 32)));
    a3 = f32x4.add(a3, f32x4.mul(weight, v128.load(row, 48)));
  }
  v128.store(o + at, a0);
  v128.store(o + at, a1, 16);
  v128.store(o + at, a2, 32);
  v128.store(o + at, a3, 48);
}

/** The host's `Math.exp`: the JS path's exp, called where {@link exactWeights} cannot vouch for a rounding. */
@external("env", "exp")
declare function hostExp(x: f64): f64;

/** Below this, e^x is near or in f32's subnormal range: the host decides. */
const EXP_LOW: f64 = -87;
const INV_LN2: f64 = 1.4426950408889634;
/** 1.5 · 2⁵²: added to a small f64, rounds it to an integer held in the low mantissa bits. */
const ROUNDER: f64 = 6755399441055744;
/** The bits of {@link ROUNDER}, so that `bits(ROUNDER + k) − ROUNDER_BITS` = k. */
const ROUNDER_BITS: i64 = 0x4338000000000000;
/** ln 2 split in two (fdlibm's): the high part has 32 significant bits, so `k · LN2_HI_F64` is exact. */
const LN2_HI_F64: f64 = 6.93147180369123816490e-1;
const LN2_LO_F64: f64 = 1.90821492927058770002e-10;
/** The low 29 bits of an f64 mantissa: what rounding to f32 drops. */
const DROPPED_BITS: i64 = 0x1fffffff;
/** Those bits at an f32 rounding midpoint. */
const MIDPOINT: i64 = 0x10000000;
/**
 * Half-width, in f64 units in the last place, of the band around an f32 midpoint inside which the
 * host rounds instead: our e^x is within 32 ulps of the true value (see {@link expPair}), the
 * host's within 1, so outside the band both round to the same f32.
 */
const BAND: i64 = 256;

/**
 * e^x for both f64 lanes of `x` (each an f32 in [{@link EXP_LOW}, 0]): e^x = 2^k · e^r with
 * k = round(x / ln 2) and r = x − k·ln 2, |r| ≤ 0.347 (x − k·LN2_HI is exact by Sterbenz's lemma,
 * k·LN2_LO errs below 10⁻²³), then e^r = Σ r^i / i! for i ≤ 13 (truncation below 10⁻¹⁷) by
 * Estrin's scheme: no path through it rounds more than 12 times, so its error is below
 * 12 · 2⁻⁵³ · Σ|r|^i/i! ≤ 12 · 2⁻⁵³ · e^|r|, at most 2⁻⁴⁸·⁴ of e^r, or 25 ulps; with the
 * reduction and the truncation, under 32 ulps. The scaling by 2^k is exact (no subnormals here).
 */
@inline
function expPair(x: v128): v128 {
  // k rounded to nearest (ties to even) by adding and taking away 1.5 · 2⁵², whose f64 sum keeps k
  // as an integer in its low mantissa bits: those bits build 2^k below.
  const shifted = f64x2.add(f64x2.mul(x, f64x2.splat(INV_LN2)), f64x2.splat(ROUNDER));
  const k = f64x2.sub(shifted, f64x2.splat(ROUNDER));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(k, f64x2.splat(LN2_HI_F64))), f64x2.mul(k, f64x2.splat(LN2_LO_F64)));
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const p01 = f64x2.add(f64x2.splat(1), r);
  const p23 = f64x2.add(f64x2.splat(0.5), f64x2.mul(f64x2.splat(1.0 / 6), r));
  const p45 = f64x2.add(f64x2.splat(1.0 / 24), f64x2.mul(f64x2.splat(1.0 / 120), r));
  const p67 = f64x2.add(f64x2.splat(1.0 / 720), f64x2.mul(f64x2.splat(1.0 / 5040), r));
  const p89 = f64x2.add(f64x2.splat(1.0 / 40320), f64x2.mul(f64x2.splat(1.0 / 362880), r));
  const p1011 = f64x2.add(f64x2.splat(1.0 / 3628800), f64x2.mul(f64x2.splat(1.0 / 39916800), r));
  const p1213 = f64x2.add(f64x2.splat(1.0 / 479001600), f64x2.mul(f64x2.splat(1.0 / 6227020800), r));
  const q0 = f64x2.add(p01, f64x2.mul(p23, r2));
  const q1 = f64x2.add(p45, f64x2.mul(p67, r2));
  const q2 = f64x2.add(p89, f64x2.mul(p1011, r2));
  const s0 = f64x2.add(q0, f64x2.mul(q1, r4));
  const s1 = f64x2.add(q2, f64x2.mul(p1213, r4));
  const p = f64x2.add(s0, f64x2.mul(s1, f64x2.mul(r4, r4)));
  return f64x2.mul(p, i64x2.shl(i64x2.add(shifted, i64x2.splat(1023 - ROUNDER_BITS)), 52));
}

/**
 * `f32(e^x)` for the two f32 `x0`, `x1` ≤ 0 (lanes 0 and 1 of the result, as f32x4), bit for bit
 * what JavaScript's `Math.fround(Math.exp(x))` gives: unless {@link expPair}'s f64 result lies
 * within {@link BAND} ulps of a point halfway between two f32 values (about one value in a
 * million), rounding it gives what rounding the host's `Math.exp` (within 1 ulp) gives. Inside the
 * band, below {@link EXP_LOW} (where e^x nears f32's subnormals), for NaN and for −∞ the host's
 * `Math.exp` computes that lane.
 */
@inline
function exactWeights(x0: f32, x1: f32): v128 {
  const x = f64x2.replace_lane(f64x2.splat(<f64> x0), 1, <f64> x1);
  const inRange = v128.all_true<i64>(f64x2.ge(x, f64x2.splat(EXP_LOW)));
  const y = expPair(inRange ? x : f64x2.splat(0));
  // The dropped bits fit the low i32 of each lane: near a midpoint when low + BAND − MIDPOINT,
  // taken unsigned, is at most 2 · BAND (lanes 0 and 2 of the i32x4 view).
  const low = i32x4.add(v128.and(y, i64x2.splat(DROPPED_BITS)), i32x4.splat(<i32> (BAND - MIDPOINT)));
  const near = v128.and(i32x4.le_u(low, i32x4.splat(<i32> (2 * BAND))), i64x2.splat(0xffffffff));
  if (inRange && !v128.any_true(near)) return f32x4.demote_f64x2_zero(y);
  return f32x4.replace_lane(f32x4.splat(exactWeight(x0)), 1, exactWeight(x1));
}

/** One lane of {@link exactWeights} on its own: the careful path, taken rarely. */
function exactWeight(x: f32): f32 {
  const xd = <f64> x;
  if (!(xd >= EXP_LOW)) return <f32> hostExp(xd);
  const y = f64x2.extract_lane(expPair(f64x2.splat(xd)), 0);
  const offset = (reinterpret<i64>(y) & DROPPED_BITS) - MIDPOINT;
  return offset <= BAND && offset >= -BAND ? <f32> hostExp(xd) : <f32> y;
}

/**
 * The min-cut kernel's masked row softmax in place, bit-identical to `maskedSoftmaxRows` in
 * ../../mincut/masked_attention.ts: per row of the n × n `scores`, over the entries whose byte
 * in `mask` is not 0, the max (NaN never raises it), then each kept entry becomes
 * f32(e^f32(score − max)) (see {@link exactWeights}) and each pruned one 0, summed in f32 in
 * ascending order; then, when the sum is > 0, each entry is divided by it, and NaN becomes 0.
 * `keys` is scratch for n i32 (the row's kept indices, so the exp loop has no branch to mispredict).
 *
 * @example
 * ```ts
 * // exports.masked_softmax(scores, mask, keys, 512);
 * ```
 */
export function masked_softmax(scores: usize, mask: usize, keys: usize, n: i32): void {
  const negInf = f32x4.splat(NEG_INF);
  const zero = f32x4.splat(0);
  const whole = n & ~3;
  for (let i = 0; i < n; i++) {
    const row = scores + ((<usize> i * <usize> n) << 2);
    const bytes = mask + <usize> i * <usize> n;
    // Pruned entries become 0; the max runs over the kept ones.
    let lanes = negInf;
    let j = 0;
    for (; j < whole; j += 4) {
      const kept = i32x4.ne(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(bytes + j))), i32x4.splat(0));
      const s = v128.load(row + (<usize> j << 2));
      v128.store(row + (<usize> j << 2), v128.and(s, kept));
      lanes = f32x4.pmax(lanes, v128.bitselect(s, negInf, kept));
    }
    let max = f32x4.extract_lane(lanes, 0);
    const m1 = f32x4.extract_lane(lanes, 1), m2 = f32x4.extract_lane(lanes, 2), m3 = f32x4.extract_lane(lanes, 3);
    if (m1 > max) max = m1;
    if (m2 > max) max = m2;
    if (m3 > max) max = m3;
    for (; j < n; j++) {
      const at = row + (<usize> j << 2);
      const s = load<f32>(at);
      const kept = load<u8>(bytes + j) != 0;
      if (kept && s > max) max = s;
      if (!kept) store<f32>(at, 0);
    }
    let count = 0;
    for (j = 0; j < n; j++) {
      store<i32>(keys + (<usize> count << 2), j);
      count += i32(load<u8>(bytes + j) != 0);
    }
    // Two kept entries at a time (a lone last one pairs with itself); the sum stays in key order.
    let sum: f32 = 0;
    for (let c = 0; c < count; c += 2) {
      const at0 = row + (<usize> load<i32>(keys + (<usize> c << 2)) << 2);
      const at1 = c + 1 < count ? row + (<usize> load<i32>(keys + (<usize> (c + 1) << 2)) << 2) : at0;
      const w = exactWeights(load<f32>(at0) - max, load<f32>(at1) - max);
      const w0 = f32x4.extract_lane(w, 0), w1 = f32x4.extract_lane(w, 1);
      store<f32>(at0, w0);
      sum += w0;
      if (at1 != at0) {
        store<f32>(at1, w1);
        sum += w1;
      }
    }
    const divide = sum > 0;
    const sums = f32x4.splat(sum);
    for (j = 0; j < whole; j += 4) {
      const at = row + (<usize> j << 2);
      const s = v128.load(at);
      const w = divide ? f32x4.div(s, sums) : s;
      v128.store(at, v128.and(w, f32x4.eq(w, w)));
    }
    for (; j < n; j++) {
      const at = row + (<usize> j << 2);
      const s = load<f32>(at);
      const w = divide ? s / sum : s;
      store<f32>(at, w != w ? 0 : w);
    }
  }
}

/**
 * `out[i] = f32(e^x[i])` by {@link exactWeights} for `count` f32 values x[i] ≤ 0: the softmax's exp
 * on its own, for the checks that it rounds exactly as `Math.fround(Math.exp(x))`
 * (tests/mincut_wasm_test.ts, bench/exact_exp.ts).
 *
 * @example
 * ```ts
 * // exports.exact_exp(xs, out, 1 << 20);
 * ```
 */
export function exact_exp(x: usize, out: usize, count: i32): void {
  for (let i = 0; i < count; i += 2) {
    const at = <usize> i << 2;
    const w = exactWeights(load<f32>(x + at), i + 1 < count ? load<f32>(x + at + 4) : 0);
    store<f32>(out + at, f32x4.extract_lane(w, 0));
    if (i + 1 < count) store<f32>(out + at + 4, f32x4.extract_lane(w, 1));
  }
}

/**
 * One step of the min-cut kernel's hysteresis over `size` mask entries, exactly as
 * `HysteresisTracker.apply` in ../../mincut/hysteresis.ts: the raw 0/1 mask at `raw` against the
 * stable mask at `stable` (bytes) with one u32 disagreement count per entry at `counts`. `first`:
 * store raw as the stable mask and zero the counts. Otherwise an entry that agrees with its stable
 * value gets count 0; one that disagrees counts up and, at `tau` (0 acts as 1), flips and resets.
 * `busy` holds one byte per block of 16 entries, nonzero while a count in the block may be nonzero,
 * so a block whose raw and stable masks agree is one comparison (the timed loop's steady state).
 * Returns the stable mask's count of ones.
 *
 * @example
 * ```ts
 * // const kept = exports.hysteresis(raw, stable, counts, busy, 512 * 512, 2, 0);
 * ```
 */
export function hysteresis(raw: usize, stable: usize, counts: usize, busy: usize, size: i32, tau: u32, first: bool): i32 {
  const zero = i8x16.splat(0);
  const one = i8x16.splat(1);
  let kept = 0;
  let block = 0;
  let i = 0;
  for (; i + 16 <= size; i += 16) {
    const value = v128.and(i8x16.ne(v128.load(raw + i), zero), one);
    const agree = i8x16.eq(value, v128.load(stable + i));
    if (!first && i8x16.all_true(agree) && load<u8>(busy + block) == 0) {
      kept += countOnes(v128.load(stable + i));
    } else {
      let any = 0;
      for (let j = i; j < i + 16; j++) any |= hysteresisEntry(raw, stable, counts, j, tau, first);
      store<u8>(busy + block, <u8> any);
      kept += countOnes(v128.load(stable + i));
    }
    block++;
  }
  if (i < size) {
    let any = 0;
    for (let j = i; j < size; j++) {
      any |= hysteresisEntry(raw, stable, counts, j, tau, first);
      kept += load<u8>(stable + j);
    }
    store<u8>(busy + block, <u8> any);
  }
  return kept;
}

/** The number of nonzero bytes among 16 bytes that are each 0 or 1. */
@inline
function countOnes(bytes: v128): i32 {
  const pairs = i16x8.extadd_pairwise_i8x16_u(bytes);
  const quads = i32x4.extadd_pairwise_i16x8_u(pairs);
  return i32x4.extract_lane(quads, 0) + i32x4.extract_lane(quads, 1) + i32x4.extract_lane(quads, 2) +
    i32x4.extract_lane(quads, 3);
}

/** One entry of {@link hysteresis}; returns 1 when its count is left nonzero. */
@inline
function hysteresisEntry(raw: usize, stable: usize, counts: usize, j: i32, tau: u32, first: bool): i32 {
  const value: u8 = load<u8>(raw + j) != 0 ? 1 : 0;
  const at = counts + (<usize> j << 2);
  if (first) {
    store<u8>(stable + j, value);
    store<u32>(at, 0);
    return 0;
  }
  if (value == load<u8>(stable + j)) {
    store<u32>(at, 0);
    return 0;
  }
  const count = load<u32>(at) + 1;
  if (count >= tau) {
    store<u8>(stable + j, value);
    store<u32>(at, 0);
    return 0;
  }
  store<u32>(at, count);
  return 1;
}

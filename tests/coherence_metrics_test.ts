import { describe, expect, test } from "bun:test";
import { contradictionRate, deltaBehavior, entailmentConsistency } from "../plugins/coherence/metrics.ts";
import { cosineSimilarity, l2Distance, qualityCheck } from "../plugins/coherence/quality.ts";
import { compareAttentionMasks, edgeFlipCount, jaccardSimilarity } from "../plugins/coherence/masks.ts";
import { BatchAccumulator, evaluateBatch } from "../plugins/coherence/batch.ts";
import { MAKE_QKV_4_3_SOFTMAX } from "./support/reference_vectors.ts";

/** The reference crates take f32 slices: these are the inputs as Rust sees them. */
const f32 = (xs: number[]): Float32Array => Float32Array.from(xs);
const T = true;
const F = false;

describe("contradictionRate (ruvector.md §2.1)", () => {
  const preds = [f32([1, 2]), f32([3, 4])];
  test("crate tests: agreeing 0, opposite 1, empty 0", () => {
    expect(contradictionRate(preds, [f32([1, 1]), f32([1, 1])])).toBe(0);
    expect(contradictionRate(preds, [f32([-1, -1]), f32([-1, -1])])).toBe(1);
    expect(contradictionRate([], [])).toBe(0);
    expect(contradictionRate(preds, [])).toBe(0);
  });
  test("README: one of two pairs contradicts → 0.5", () => {
    expect(contradictionRate(preds, [f32([1, 1]), f32([-1, -1])])).toBe(0.5);
  });
  test("an orthogonal pair (dot 0) is not a contradiction", () => {
    expect(contradictionRate([f32([1, 0])], [f32([0, 1])])).toBe(0);
  });
  test("the dot runs over the common prefix only", () => {
    expect(contradictionRate([f32([1, -5])], [f32([1])])).toBe(0);
  });
});

describe("entailmentConsistency (ruvector.md §2.1)", () => {
  test("crate tests: identical 1, single output 1, orthogonal 0", () => {
    expect(entailmentConsistency([f32([1, 0]), f32([1, 0]), f32([1, 0])])).toBe(1);
    expect(entailmentConsistency([f32([1])])).toBe(1);
    expect(entailmentConsistency([f32([1, 0]), f32([0, 1])])).toBe(0);
  });
  test("README [[1,0],[.9,.1],[.8,.2]] → 0.992438082595321", () => {
    expect(entailmentConsistency([f32([1, 0]), f32([0.9, 0.1]), f32([0.8, 0.2])])).toBe(0.992438082595321);
  });
  test("the norms cover the whole vectors: [[1,0],[1,0,5]] → 0.19611613513818404", () => {
    expect(entailmentConsistency([f32([1, 0]), f32([1, 0, 5])])).toBe(0.19611613513818404);
  });
  test("[derived] sums start at −0 like Rust's f64 sum: all-(−0) dot products give −0", () => {
    expect(entailmentConsistency([f32([1, -0]), f32([-0, 1])])).toBe(-0);
  });
});

describe("deltaBehavior (ruvector.md §2.1)", () => {
  test("crate tests: identical vectors, sign flips, empty", () => {
    const same = deltaBehavior(f32([1, 2, 3]), f32([1, 2, 3]));
    expect(Math.abs(same.coherence_delta)).toBeLessThan(1e-10);
    expect(same.decision_flips).toBe(0);
    expect(deltaBehavior(f32([1, -1, 1]), f32([-1, 1, 1])).decision_flips).toBe(2);
    expect(deltaBehavior(f32([]), f32([]))).toEqual({
      coherence_delta: 0,
      decision_flips: 0,
      path_length_change: 0,
    });
  });
  test("README [1,2,3] vs [1.1,1.9,3.1]", () => {
    expect(deltaBehavior(f32([1, 2, 3]), f32([1.1, 1.9, 3.1]))).toEqual({
      coherence_delta: -0.0009409436453934328,
      decision_flips: 0,
      path_length_change: 0.015240976692407981,
    });
  });
  test("+0 against −0 is a flip: [0,−0,1] vs [−0,0,1] → 2", () => {
    expect(deltaBehavior(f32([0, -0, 1]), f32([-0, 0, 1])).decision_flips).toBe(2);
    expect(deltaBehavior([0, -0, 1], [-0, 0, 1]).decision_flips).toBe(2);
  });
  test("NaN goes by its sign bit (Float32Array read bit for bit)", () => {
    const nans = new Float32Array(new Uint32Array([0x7fc0_0000, 0xffc0_0000]).buffer);
    expect(deltaBehavior(nans, f32([1, 1])).decision_flips).toBe(1);
    expect(deltaBehavior(nans, f32([-1, -1])).decision_flips).toBe(1);
    expect(deltaBehavior(nans.subarray(1), f32([-1])).decision_flips).toBe(0);
  });
  test("zero baseline [0,0] vs [1,1]: delta −1 (cosine 0), plc 0", () => {
    expect(deltaBehavior(f32([0, 0]), f32([1, 1]))).toEqual({
      coherence_delta: -1,
      decision_flips: 0,
      path_length_change: 0,
    });
  });
  test("truncation [1,2,3,4] vs [2,4]: delta −2.220446049250313e-16, plc 1", () => {
    const d = deltaBehavior(f32([1, 2, 3, 4]), f32([2, 4]));
    expect(d.coherence_delta).toBe(-2.220446049250313e-16);
    expect(d.decision_flips).toBe(0);
    expect(d.path_length_change).toBe(1);
  });
});

describe("cosineSimilarity, l2Distance, qualityCheck (ruvector.md §2.2)", () => {
  test("cosine crate tests", () => {
    expect(Math.abs(cosineSimilarity(f32([1, 2, 3]), f32([1, 2, 3])) - 1)).toBeLessThan(1e-10);
    expect(cosineSimilarity(f32([1, 0]), f32([-1, 0]))).toBe(-1);
    expect(cosineSimilarity(f32([1, 0]), f32([0, 1]))).toBe(0);
    expect(cosineSimilarity(f32([0, 0]), f32([1, 2]))).toBe(0);
  });
  test("cosine [1,2,3] vs [1.1,2.1,3.1] (f32) → 0.9998592901660436", () => {
    expect(cosineSimilarity(f32([1, 2, 3]), f32([1.1, 2.1, 3.1]))).toBe(0.9998592901660436);
  });
  test("cosine truncates everything: [1,0] vs [1,0,5] → 1", () => {
    expect(cosineSimilarity(f32([1, 0]), f32([1, 0, 5]))).toBe(1);
  });
  test("l2 crate tests, tails count as distance from zero", () => {
    expect(l2Distance(f32([1, 2]), f32([1, 2]))).toBe(0);
    expect(l2Distance(f32([0, 0]), f32([3, 4]))).toBe(5);
    expect(l2Distance(f32([1]), f32([1, 3]))).toBe(3);
    expect(l2Distance(f32([1, 3]), f32([1]))).toBe(3);
    expect(l2Distance(f32([]), f32([3, 4]))).toBe(5);
  });
  test("l2 [1,2,3] vs [1.1,2.1,3.1] (f32) → 0.1732049844011935", () => {
    expect(l2Distance(f32([1, 2, 3]), f32([1.1, 2.1, 3.1]))).toBe(0.1732049844011935);
  });
  test("qualityCheck passes at 0.99 and fails at 0.5; the threshold is inclusive", () => {
    const pass = qualityCheck(f32([1, 2, 3]), f32([1.1, 2.1, 3.1]), 0.99);
    expect(pass).toEqual({
      cosine_sim: 0.9998592901660436,
      l2_dist: 0.1732049844011935,
      passes_threshold: true,
    });
    expect(qualityCheck(f32([1, 0]), f32([0, 1]), 0.5).passes_threshold).toBe(false);
    expect(qualityCheck(f32([1, 0]), f32([1, 0]), 1).passes_threshold).toBe(true);
  });
});

describe("make_qkv(4,3): softmax against min-cut outputs (ruvector.md §1.4)", () => {
  // The f32 shortest digits of the reference output, so Float32Array.from restores the exact values.
  const softmax = f32([...MAKE_QKV_4_3_SOFTMAX]);
  const mincut = f32([0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0]);
  test("qualityCheck at 0.99: cos 0.7648546722604086, l2 12.02981063033466, fails (bit-exact)", () => {
    expect(qualityCheck(softmax, mincut, 0.99)).toEqual({
      cosine_sim: 0.7648546722604086,
      l2_dist: 12.02981063033466,
      passes_threshold: false,
    });
  });
  test("deltaBehavior: delta −0.2351453277395914, 0 flips, plc −0.23514529198359668 (bit-exact)", () => {
    expect(deltaBehavior(softmax, mincut)).toEqual({
      coherence_delta: -0.2351453277395914,
      decision_flips: 0,
      path_length_change: -0.23514529198359668,
    });
  });
});

describe("jaccardSimilarity, edgeFlipCount, compareAttentionMasks (ruvector.md §2.3)", () => {
  test("jaccard crate tests", () => {
    expect(jaccardSimilarity([T, F, T, T], [T, F, T, T])).toBe(1);
    expect(jaccardSimilarity([T, F], [F, T])).toBe(0);
    expect(jaccardSimilarity([], [])).toBe(1);
    expect(jaccardSimilarity([T, T, F, F], [T, F, T, F])).toBe(1 / 3);
  });
  test("jaccard: the longer mask's kept tail joins the union", () => {
    expect(jaccardSimilarity([T], [T, T])).toBe(0.5);
    expect(jaccardSimilarity([T, F, F], [T])).toBe(1);
  });
  test("edge flip crate tests, tails count", () => {
    expect(edgeFlipCount([T, F], [T, F])).toBe(0);
    expect(edgeFlipCount([T, F, T], [F, T, F])).toBe(3);
    expect(edgeFlipCount([T, F], [T, F, T, T])).toBe(2);
    expect(edgeFlipCount([T, F, T, T], [T, F])).toBe(2);
  });
  test("compare crate test, sparsity_ratio 1", () => {
    expect(compareAttentionMasks([T, T, F, F, T], [T, F, F, T, T])).toEqual({
      jaccard: 0.5,
      edge_flips: 2,
      baseline_edges: 3,
      gated_edges: 3,
      sparsity_ratio: 1,
    });
  });
  test("all-kept baseline: sparsity 0 falls back to the gated sparsity 0.5", () => {
    const r = compareAttentionMasks([T, T, T, T], [T, F, T, F]);
    expect(r.sparsity_ratio).toBe(0.5);
    expect(r.jaccard).toBe(0.5);
  });
  test("[T,F,F,F] vs [T,F,F,F,F,F]: ratio 1, no flips", () => {
    const r = compareAttentionMasks([T, F, F, F], [T, F, F, F, F, F]);
    expect(r.sparsity_ratio).toBe(1);
    expect(r.edge_flips).toBe(0);
  });
  test("empty against empty: ratio 1, jaccard 1", () => {
    expect(compareAttentionMasks([], [])).toEqual({
      jaccard: 1,
      edge_flips: 0,
      baseline_edges: 0,
      gated_edges: 0,
      sparsity_ratio: 1,
    });
  });
  test("a Uint8Array 0/1 mask gives the same as booleans", () => {
    const bools = compareAttentionMasks([T, T, F, F, T], [T, F, F, T, T]);
    expect(compareAttentionMasks(new Uint8Array([1, 1, 0, 0, 1]), new Uint8Array([1, 0, 0, 1, 1]))).toEqual(
      bools,
    );
    expect(compareAttentionMasks([T, T, T, T], new Uint8Array([1, 0, 1, 0])).sparsity_ratio).toBe(0.5);
  });
});

describe("evaluateBatch and BatchAccumulator (ruvector.md §2.4)", () => {
  const ciBaselines = [f32([1, 0]), f32([0, 1]), f32([1, 1]), f32([2, 3])];
  const ciGated = [f32([1.1, 0.1]), f32([0.1, 1.1]), f32([1.2, 0.9]), f32([2.1, 2.9])];
  test("crate tests: empty, identical pairs, CI contains the mean, partial pass rate", () => {
    expect(evaluateBatch([], [], 0.9)).toEqual({
      mean_coherence_delta: 0,
      std_coherence_delta: 0,
      ci_95_lower: 0,
      ci_95_upper: 0,
      n_samples: 0,
      pass_rate: 0,
    });
    const same = Array.from({ length: 10 }, () => f32([1, 2, 3]));
    const identical = evaluateBatch(same, same, 0.9);
    expect(identical.n_samples).toBe(10);
    expect(Math.abs(identical.mean_coherence_delta)).toBeLessThan(1e-10);
    expect(identical.pass_rate).toBe(1);
    const ci = evaluateBatch(ciBaselines, ciGated, 0.9);
    expect(ci.ci_95_lower).toBeLessThanOrEqual(ci.mean_coherence_delta);
    expect(ci.ci_95_upper).toBeGreaterThanOrEqual(ci.mean_coherence_delta);
    expect(evaluateBatch([f32([1, 0]), f32([1, 0])], [f32([1, 0]), f32([0, 1])], 0.5).pass_rate).toBe(0.5);
  });
  test("CI test row", () => {
    expect(evaluateBatch(ciBaselines, ciGated, 0.9)).toEqual({
      mean_coherence_delta: -0.00475360195819885,
      std_coherence_delta: 0.003869552610423342,
      ci_95_lower: -0.008545763516413726,
      ci_95_upper: -0.0009614403999839744,
      n_samples: 4,
      pass_rate: 1,
    });
  });
  test("README row: 100 × [1,2,3] vs [1.05,1.95,3.05] at 0.99", () => {
    const r = evaluateBatch(
      Array.from({ length: 100 }, () => f32([1, 2, 3])),
      Array.from({ length: 100 }, () => f32([1.05, 1.95, 3.05])),
      0.99,
    );
    expect(r).toEqual({
      mean_coherence_delta: -0.00023883554006820518,
      std_coherence_delta: 0,
      ci_95_lower: -0.00023883554006820518,
      ci_95_upper: -0.00023883554006820518,
      n_samples: 100,
      pass_rate: 1,
    });
  });
  test("single pair [1,0]/[0,1] at 0.5", () => {
    expect(evaluateBatch([f32([1, 0])], [f32([0, 1])], 0.5)).toEqual({
      mean_coherence_delta: -1,
      std_coherence_delta: 0,
      ci_95_lower: -1,
      ci_95_upper: -1,
      n_samples: 1,
      pass_rate: 0,
    });
  });
  test("only the first min(|baselines|, |gated|) pairs count", () => {
    expect(evaluateBatch([f32([1, 0]), f32([1, 0])], [f32([0, 1])], 0.5).n_samples).toBe(1);
  });
  test("the accumulator gives evaluateBatch's numbers exactly, at every prefix", () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 30 - 1;
    const baselines = Array.from({ length: 37 }, () => f32(Array.from({ length: 16 }, next)));
    const gated = baselines.map((b) => f32(Array.from(b, (x) => x + 0.3 * next())));
    const batch = new BatchAccumulator(0.97);
    expect(batch.result()).toEqual(evaluateBatch([], [], 0.97));
    for (let i = 0; i < baselines.length; i++) {
      batch.add(baselines[i], gated[i]);
      expect(batch.result()).toEqual(evaluateBatch(baselines.slice(0, i + 1), gated.slice(0, i + 1), 0.97));
    }
    const r = batch.result();
    expect(r.pass_rate).toBeGreaterThan(0);
    expect(r.pass_rate).toBeLessThan(1);
  });
});

import { describe, expect, test } from "bun:test";
import {
  countKept,
  dynamicMinCut,
  dynamicMinCutBestSink,
  epsOnlyKeepMask,
  gateBytes,
  MinCutGate,
} from "../kernels/mincut/gate.ts";
import { minCut } from "../kernels/mincut/dinic.ts";
import { graphFromLogits } from "../kernels/mincut/graph.ts";

const bits = (mask: ArrayLike<number>): string => Array.from(mask, (x) => (x ? "1" : "0")).join("");
const f32 = (xs: number[]): Float32Array => new Float32Array(xs);

const band3 = f32([1, 0.5, 0, 0, 1, 0.5, 0, 0, 1]);
// deno-fmt-ignore
const five = f32([
  1, 0.8, 0.3, 0.1, 0.4,
  0.2, 1, 0.6, 0.9, 0.1,
  0.5, 0.3, 1, 0.2, 0.7,
  0.1, 0.6, 0.4, 1, 0.3,
  0.3, 0.2, 0.5, 0.4, 1,
]);

describe("dynamicMinCut (ruvector §1.3 tests and reference vectors)", () => {
  test("3×3 band, λ=.5: total 9 and something kept", () => {
    const r = dynamicMinCut(band3, 3, 0.5, 0.01);
    expect(r.edges_total).toBe(9);
    expect(r.edges_kept).toBeGreaterThan(0);
  });

  for (
    const [lambda, kept, cost, mask] of [
      [0, 5, 0, "110011001"],
      [0.5, 5, 0, "110011001"],
      [0.6, 5, 0, "110011001"],
      [0.625, 4, 0.5, "100011001"],
      [0.7, 4, 0.5, "100011001"],
      [1.0, 4, 0.5, "100011001"],
    ] as const
  ) {
    test(`3×3 band, λ=${lambda}: kept ${kept}, cut ${cost}, mask ${mask}`, () => {
      const r = dynamicMinCut(band3, 3, lambda, 0.01);
      expect([r.edges_kept, r.cut_cost, bits(r.keep_mask), r.edges_total]).toEqual([kept, cost, mask, 9]);
    });
  }

  test("3×3 band, eps=.6, λ=1: diagonal only, no path 0→2", () => {
    const r = dynamicMinCut(band3, 3, 1, 0.6);
    expect([r.edges_kept, r.cut_cost, bits(r.keep_mask)]).toEqual([3, 0, "100010001"]);
  });

  test("2×2 [1,2,.5,1]: λ=.5 does not fire, λ=2 cuts (0,1)", () => {
    const low = dynamicMinCut(f32([1, 2, 0.5, 1]), 2, 0.5, 0.01);
    expect([low.edges_kept, low.cut_cost, bits(low.keep_mask)]).toEqual([4, 0, "1111"]);
    const high = dynamicMinCut(f32([1, 2, 0.5, 1]), 2, 2, 0.01);
    expect([high.edges_kept, high.cut_cost, bits(high.keep_mask)]).toEqual([3, 2, "1011"]);
  });

  test("2×2 [0.005,0.2,-0.3,0.01], eps .01, λ=10: the only edge is cut, 0.01 is not > eps", () => {
    const r = dynamicMinCut(f32([0.005, 0.2, -0.3, 0.01]), 2, 10, 0.01);
    expect([r.edges_kept, r.cut_cost, bits(r.keep_mask)]).toEqual([0, Math.fround(0.2), "0000"]);
  });

  test("1×1 [1]: all false, total 1", () => {
    const r = dynamicMinCut(f32([1]), 1, 0.5, 0.01);
    expect([r.edges_kept, r.edges_total, bits(r.keep_mask)]).toEqual([0, 1, "0"]);
  });

  test("2×2 all −1: nothing kept, total 4", () => {
    const r = dynamicMinCut(f32([-1, -1, -1, -1]), 2, 0.5, 0.01);
    expect([r.edges_kept, r.edges_total, bits(r.keep_mask)]).toEqual([0, 4, "0000"]);
  });

  test("seq_len 0: empty mask, total 0", () => {
    const r = dynamicMinCut(f32([]), 0, 0.5, 0.01);
    expect([r.edges_kept, r.edges_total, r.keep_mask.length]).toEqual([0, 0, 0]);
  });

  test("5×5, λ=.5: raw cut 1.5 exceeds the threshold, all kept", () => {
    const r = dynamicMinCut(five, 5, 0.5, 0.01);
    expect([r.edges_kept, r.cut_cost, bits(r.keep_mask)]).toEqual([25, 0, "1".repeat(25)]);
  });

  test("5×5, λ=1000: every edge into token 4 but its self-loop is cut", () => {
    const r = dynamicMinCut(five, 5, 1000, 0.01);
    expect([r.edges_kept, r.cut_cost, bits(r.keep_mask)]).toEqual([21, 1.5, "1111011110111101111011111"]);
  });

  test("wrong length throws the reference message", () => {
    expect(() => dynamicMinCut(f32([1, 2]), 3, 0.5, 0.01)).toThrow("logits length must equal seq_len^2");
  });
});

describe("best-sink and eps-only (ruvector §1.8)", () => {
  test("best sink on the 5×5, λ=1000: cost ≤ the fixed sink's + 1e-5", () => {
    const best = dynamicMinCutBestSink(five, 5, 1000, 0.01);
    const fixed = dynamicMinCut(five, 5, 1000, 0.01);
    expect(best.cut_cost).toBeLessThanOrEqual(fixed.cut_cost + 1e-5);
    expect(best.edges_kept).toBe(countKept(best.keep_mask));
  });

  test("best sink picks the strictly cheapest t: 3×3 band, λ=1 cuts (0,1) at cost 0.5", () => {
    const r = dynamicMinCutBestSink(band3, 3, 1, 0.01);
    expect([r.edges_kept, r.cut_cost, bits(r.keep_mask)]).toEqual([4, 0.5, "100011001"]);
  });

  test("eps-only mask: [1,−0.5,0,0.02,0.005,2], eps .01", () => {
    expect(bits(epsOnlyKeepMask(f32([1, -0.5, 0, 0.02, 0.005, 2]), 0.01))).toBe("100101");
  });

  test("eps-only gate keeps exactly the logits above eps, with cut cost 0", () => {
    const gate = new MinCutGate(5, { lambda: 1000, eps: 0.25, variant: "eps-only" });
    gate.apply(five);
    expect(bits(gate.keepMask)).toBe(bits(epsOnlyKeepMask(five, 0.25)));
    expect([gate.edgesKept, gate.cutCost]).toEqual([countKept(gate.keepMask), 0]);
  });

  test("the dynamic mask is always a subset of the eps-only mask", () => {
    const random = lcg(3);
    for (let trial = 0; trial < 100; trial++) {
      const n = 2 + Math.floor(random() * 8);
      const logits = Float32Array.from({ length: n * n }, () => random() * 2 - 0.5);
      const lambda = random() * 8;
      const eps = epsOnlyKeepMask(logits, 0.01);
      for (
        const r of [dynamicMinCut(logits, n, lambda, 0.01), dynamicMinCutBestSink(logits, n, lambda, 0.01)]
      ) {
        r.keep_mask.forEach((kept, i) => {
          if (kept) expect(eps[i]).toBe(1);
        });
      }
    }
  });
});

describe("MinCutGate", () => {
  test("byteLength equals gateBytes for every variant", () => {
    for (const variant of ["reference", "best-sink", "eps-only"] as const) {
      expect(new MinCutGate(6, { lambda: 0.5, eps: 0.01, variant }).byteLength).toBe(gateBytes(6, variant));
    }
  });

  test("reusable: the same gate gives each input's own result", () => {
    const gate = new MinCutGate(3, { lambda: 0.625, eps: 0.01, variant: "reference" });
    gate.apply(band3);
    expect([bits(gate.keepMask), gate.cutCost]).toEqual(["100011001", 0.5]);
    gate.apply(f32(Array(9).fill(-1)));
    expect([bits(gate.keepMask), gate.cutCost, gate.edgesKept]).toEqual(["000000000", 0, 0]);
    gate.apply(band3);
    expect([bits(gate.keepMask), gate.cutCost, gate.edgesKept]).toEqual(["100011001", 0.5, 4]);
  });

  test("with the early exit, results equal a gate computed from the full min cut, also at the threshold", () => {
    const random = lcg(5);
    let fired = 0;
    for (let trial = 0; trial < 200; trial++) {
      const n = 2 + Math.floor(random() * 9);
      const logits = Float32Array.from({ length: n * n }, () => Math.fround(random() ** 2 * 3 - 0.4));
      const { raw, mean } = rawCut(logits, n, 0.01);
      if (mean === 0) continue;
      const exact = Math.fround(raw / mean);
      for (
        const lambda of [
          exact,
          Math.fround(exact * (1 - 2 ** -23)),
          Math.fround(exact * (1 + 2 ** -23)),
          0.5,
          3,
        ]
      ) {
        const expected = oracleGate(logits, n, lambda, 0.01);
        const actual = dynamicMinCut(logits, n, lambda, 0.01);
        expect([bits(actual.keep_mask), actual.cut_cost, actual.edges_kept]).toEqual(expected);
        if (actual.cut_cost > 0) fired++;
      }
    }
    expect(fired).toBeGreaterThan(50);
  });
});

/** Deterministic uniform [0, 1) numbers. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** The clamped graph's raw min cut 0 → n−1 (no early exit) and its f32 mean weight. */
function rawCut(logits: Float32Array, n: number, eps: number) {
  const floor = Math.fround(eps);
  const clamped = logits.map((x) => (x > floor ? x : 0));
  const graph = graphFromLogits(clamped, n);
  let sum = 0;
  for (let e = 0; e < graph.edgeCount; e++) sum = Math.fround(sum + graph.weight[e]);
  const mean = graph.edgeCount === 0 ? 0 : Math.fround(sum / graph.edgeCount);
  const cut = minCut(graph, 0, n - 1);
  return { raw: cut.cut_cost, mean, graph, cut, clamped };
}

/** §1.3 step by step from the full min cut: [mask bits, cut_cost, edges_kept]. */
function oracleGate(logits: Float32Array, n: number, lambda: number, eps: number): [string, number, number] {
  const { raw, mean, graph, cut, clamped } = rawCut(logits, n, eps);
  const keep = Array.from(clamped, (c) => (c > 0 ? 1 : 0));
  if (graph.edgeCount === 0) return [bits(keep.fill(0)), 0, 0];
  const fires = raw <= Math.fround(Math.fround(lambda) * mean);
  if (fires) { for (const [s, d] of cut.cut_edges) keep[s * n + d] = 0; }
  return [bits(keep), fires ? raw : 0, keep.filter((x) => x === 1).length];
}

import { describe, expect, test } from "bun:test";
import { MinCutGate } from "../kernels/mincut/gate.ts";
import { minCut } from "../kernels/mincut/dinic.ts";
import { graphFromLogits } from "../kernels/mincut/graph.ts";
import {
  boundSlots,
  FLOW_NEEDED,
  LAMBDA,
  markProvenSinks,
  PROVEN,
  setFlowNeeded,
  twoHopFlow,
  twoHopFlows,
  WEIGHT_SUM,
} from "../kernels/mincut/flow_bound.ts";

type Variant = "reference" | "best-sink";

const bits = (mask: ArrayLike<number>): string => Array.from(mask, (x) => (x ? "1" : "0")).join("");

/** Deterministic uniform [0, 1) numbers. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * The gate computed the long way, with no shortcut and no early exit: the full min cut for every
 * sink the variant considers, the strictly cheapest (earliest on ties), fired when its f32 cost
 * is ≤ f32(λ · f32 mean weight). Returns [mask bits, cut_cost, edges_kept].
 */
function oracleGate(logits: Float32Array, n: number, lambda: number, eps: number, variant: Variant) {
  const floor = Math.max(Math.fround(eps), 0);
  const clamped = logits.map((x) => (x > floor ? x : 0));
  const graph = graphFromLogits(clamped, n);
  const keep = Array.from(clamped, (c) => (c > 0 ? 1 : 0));
  if (graph.edgeCount === 0 || n < 2) return [bits(keep.fill(0)), 0, 0];
  let sum = 0;
  for (let e = 0; e < graph.edgeCount; e++) sum = Math.fround(sum + graph.weight[e]);
  const threshold = Math.fround(Math.fround(lambda) * Math.fround(sum / graph.edgeCount));
  const sinks = variant === "reference" ? [n - 1] : Array.from({ length: n - 1 }, (_, i) => i + 1);
  let best: ReturnType<typeof minCut> | undefined;
  for (const t of sinks) {
    const cut = minCut(graph, 0, t);
    if (best === undefined || cut.cut_cost < best.cut_cost) best = cut;
  }
  const fires = best!.cut_cost <= threshold;
  if (fires) { for (const [s, d] of best!.cut_edges) keep[s * n + d] = 0; }
  return [bits(keep), fires ? best!.cut_cost : 0, keep.filter((x) => x === 1).length];
}

/** The gate with the two-hop shortcut, as the kernel runs it, and how many max flows it ran. */
function gated(logits: Float32Array, n: number, lambda: number, eps: number, variant: Variant) {
  const gate = new MinCutGate(n, { lambda, eps, variant });
  gate.apply(logits);
  return { result: [bits(gate.keepMask), gate.cutCost, gate.edgesKept], maxFlows: gate.maxFlows };
}

/** Random logits: a share `density` of them above eps, weights spread over `spread` octaves. */
function randomLogits(random: () => number, n: number, density: number, spread: number): Float32Array {
  return Float32Array.from({ length: n * n }, () => {
    const magnitude = 2 ** (spread * (random() - 0.5));
    return Math.fround(random() < density ? magnitude : -magnitude * random());
  });
}

/** λ at which the threshold equals the two-hop flow to the last token (so the bound is tight). */
function tightLambda(logits: Float32Array, n: number, eps: number): number {
  const floor = Math.max(Math.fround(eps), 0);
  const flows = new Float64Array(n);
  twoHopFlow(logits, n, floor, n - 1, flows);
  let sum = 0, count = 0;
  for (const x of logits) if (x > floor) (sum += x, count++);
  return count === 0 ? 0.5 : flows[n - 1] / (sum / count);
}

describe("the two-hop flow bound never changes a gate's result", () => {
  for (const variant of ["reference", "best-sink"] as const) {
    test(`${variant}: equal to the full min cut on random graphs, λ around the bound and beyond`, () => {
      const random = lcg(variant === "reference" ? 11 : 12);
      let shortcut = 0, solved = 0, fired = 0;
      for (let trial = 0; trial < 150; trial++) {
        const n = 2 + Math.floor(random() * 11);
        const logits = randomLogits(random, n, 0.2 + 0.8 * random(), 1 + random() * 20);
        const tight = tightLambda(logits, n, 0.01);
        for (
          const lambda of [tight, tight * (1 - 1e-6), tight * (1 + 1e-6), tight / 2, tight * 3, 0.5, 5, 50]
        ) {
          const expected = oracleGate(logits, n, lambda, 0.01, variant);
          const { result, maxFlows } = gated(logits, n, lambda, 0.01, variant);
          expect(result).toEqual(expected);
          if (maxFlows === 0) shortcut++;
          else solved++;
          if (Number(expected[1]) > 0) fired++;
        }
      }
      // Both paths ran, and the cut fired often enough for the comparison to mean something.
      expect(shortcut).toBeGreaterThan(50);
      expect(solved).toBeGreaterThan(200);
      expect(fired).toBeGreaterThan(100);
    });

    test(`${variant}: equal on adversarial inputs (non-finite, subnormal, huge, sparse rows, λ ≤ 0)`, () => {
      const random = lcg(variant === "reference" ? 21 : 22);
      // No +∞: an all-∞ path from 0 to the sink never saturates, and the reference's max flow
      // (so the oracle's) would never end.
      const specials = [
        -Infinity,
        NaN,
        2 ** -140,
        2 ** -149,
        3.4e38,
        1e38,
        0,
        -0,
        0.01,
        Math.fround(0.01) * (1 + 2 ** -23),
      ];
      let shortcut = 0, solved = 0;
      for (let trial = 0; trial < 120; trial++) {
        const n = 2 + Math.floor(random() * 7);
        const logits = randomLogits(random, n, 0.7, 8);
        // Plant special values, or starve token 0 (one weak edge out) or the last token (one in).
        const plant = trial % 3;
        if (plant === 0) {
          for (let k = 0; k < 1 + Math.floor(random() * 3); k++) {
            logits[Math.floor(random() * n * n)] = specials[Math.floor(random() * specials.length)];
          }
        } else if (plant === 1) {
          logits.fill(-1, 0, n);
          logits[1 + Math.floor(random() * (n - 1))] = Math.fround(0.02 + random());
        } else {
          for (let v = 0; v < n; v++) logits[v * n + n - 1] = -1;
          logits[Math.floor(random() * n) * n + n - 1] = Math.fround(0.02 + random());
        }
        for (const lambda of [-1, 0, 1e-30, 0.3, 0.5, 1, 4, 1e30]) {
          for (const eps of [0.01, -0.5]) {
            const expected = oracleGate(logits, n, lambda, eps, variant);
            const { result, maxFlows } = gated(logits, n, lambda, eps, variant);
            expect(result).toEqual(expected);
            if (maxFlows === 0) shortcut++;
            else solved++;
          }
        }
      }
      expect(shortcut).toBeGreaterThan(100);
      expect(solved).toBeGreaterThan(100);
    });
  }

  test("the shortcut takes the common case: normal logits at λ = 0.5 need no max flow", () => {
    const random = lcg(3);
    const n = 96;
    const logits = Float32Array.from({ length: n * n }, () => Math.fround((random() - 0.45) * 4));
    for (const variant of ["reference", "best-sink"] as const) {
      const { result, maxFlows } = gated(logits, n, 0.5, 0.01, variant);
      expect(maxFlows).toBe(0);
      expect(result).toEqual(oracleGate(logits, n, 0.5, 0.01, variant));
    }
  });
});

describe("flow_bound parts", () => {
  test("twoHopFlows agrees with twoHopFlow for every sink, and both are feasible flows", () => {
    const random = lcg(7);
    for (let trial = 0; trial < 40; trial++) {
      const n = 2 + Math.floor(random() * 9);
      const logits = randomLogits(random, n, 0.6, 6);
      const all = new Float64Array(n), one = new Float64Array(n);
      twoHopFlows(logits, n, 0.01, all);
      for (let t = 1; t < n; t++) {
        twoHopFlow(logits, n, 0.01, t, one);
        expect(all[t]).toBeCloseTo(one[t], 9);
        // A flow never exceeds the min cut (weak duality), which the full solver computes.
        const clamped = logits.map((x) => (x > Math.fround(0.01) ? x : 0));
        expect(one[t]).toBeLessThanOrEqual(minCut(graphFromLogits(clamped, n), 0, t).cut_cost * (1 + 1e-6));
      }
    }
  });

  test("setFlowNeeded: just above λ · mean, Infinity where the f32 sum could overflow", () => {
    const bounds = boundSlots();
    bounds[WEIGHT_SUM] = 4.5;
    bounds[LAMBDA] = 0.5;
    setFlowNeeded(bounds, 4, 2);
    expect(bounds[FLOW_NEEDED]).toBeGreaterThan(0.5625);
    expect(bounds[FLOW_NEEDED]).toBeLessThan(0.5625 * (1 + 1e-5));
    bounds[LAMBDA] = -2;
    setFlowNeeded(bounds, 4, 2);
    expect(bounds[FLOW_NEEDED]).toBeLessThan(1e-40);
    bounds[WEIGHT_SUM] = 3e38;
    bounds[LAMBDA] = 0.5;
    setFlowNeeded(bounds, 4, 2);
    expect(bounds[FLOW_NEEDED]).toBe(Infinity);
    bounds[WEIGHT_SUM] = NaN;
    setFlowNeeded(bounds, 4, 2);
    expect(bounds[FLOW_NEEDED]).toBe(Infinity);
  });

  test("markProvenSinks marks the sinks above the needed flow and counts the rest", () => {
    const flows = new Float64Array([0, 5, 0.1, 1, NaN]);
    expect(markProvenSinks(flows, 5, new Float64Array([0, 0, 1]))).toBe(3);
    expect(Array.from(flows)).toEqual([0, PROVEN, 0.1, 1, NaN]);
  });
});

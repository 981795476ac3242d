import { describe, expect, test } from "bun:test";
import { createGraph, fillGraph, graphBytes, graphFromLogits } from "../kernels/mincut/graph.ts";
import type { AttentionGraph } from "../kernels/mincut/graph.ts";

const edges = (g: AttentionGraph): [number, number, number][] =>
  Array.from({ length: g.edgeCount }, (_, e) => [g.src[e], g.dst[e], g.weight[e]]);

describe("graphFromLogits (ruvector §1.2)", () => {
  test("[1,2,3,4], n=2: 4 edges on 2 nodes", () => {
    const g = graphFromLogits(new Float32Array([1, 2, 3, 4]), 2);
    expect(g.edgeCount).toBe(4);
    expect(g.nodes).toBe(2);
  });

  test("[1,-0.5,0,2], n=2: only strictly positive entries", () => {
    expect(edges(graphFromLogits(new Float32Array([1, -0.5, 0, 2]), 2))).toEqual([[0, 0, 1], [1, 1, 2]]);
  });

  test("all negative: no edges", () => {
    expect(graphFromLogits(new Float32Array(9).fill(-1), 3).edgeCount).toBe(0);
  });

  test("3×3 band: row-major edges with self-loops (reference vector)", () => {
    const g = graphFromLogits(new Float32Array([1, 0.5, 0, 0, 1, 0.5, 0, 0, 1]), 3);
    expect(edges(g)).toEqual([[0, 0, 1], [0, 1, 0.5], [1, 1, 1], [1, 2, 0.5], [2, 2, 1]]);
  });

  test("wrong length throws the reference message with what was found and expected", () => {
    expect(() => graphFromLogits(new Float32Array(2), 3)).toThrow("logits length must equal seq_len^2");
    expect(() => graphFromLogits(new Float32Array(2), 3)).toThrow("found 2, expected 9");
  });

  test("NaN is never an edge", () => {
    expect(graphFromLogits(new Float32Array([NaN, 1, NaN, NaN]), 2).edgeCount).toBe(1);
  });
});

describe("fillGraph", () => {
  test("refills in place above a floor, replacing the previous edges", () => {
    const g = createGraph(2);
    fillGraph(g, new Float32Array([1, 2, 3, 4]), 0);
    fillGraph(g, new Float32Array([0.005, 0.2, -0.3, 0.01]), Math.fround(0.01));
    expect(edges(g)).toEqual([[0, 1, Math.fround(0.2)]]);
  });

  test("graphBytes matches the buffers createGraph allocates", () => {
    const g = createGraph(7);
    expect(g.src.byteLength + g.dst.byteLength + g.weight.byteLength).toBe(graphBytes(7));
  });
});

import { describe, expect, test } from "bun:test";
import { latencyStats } from "../mod.ts";

const range = (a: number, b: number, step = 1) =>
  Array.from({ length: Math.floor((b - a) / step) + 1 }, (_, i) => a + i * step);

describe("latency statistics match the reference vectors (ruvector.md §3.3)", () => {
  const vectors: [string, number[], [number, number, number, number, number]][] = [
    ["10..100 step 10", range(10, 100, 10), [50, 100, 100, 55, 28.722813232690143]],
    ["[100,10,50,90,20]", [100, 10, 50, 90, 20], [50, 100, 100, 54, 36.11094017053558]],
    ["1..=20", range(1, 20), [10, 19, 20, 10.5, 5.766281297335398]],
    ["1..=100", range(1, 100), [50, 95, 99, 50.5, 28.86607004772212]],
    ["[5,1]", [5, 1], [1, 5, 5, 3, 2.0]],
  ];
  for (const [name, input, [p50, p95, p99, mean, std]] of vectors) {
    test(name, () => {
      const stats = latencyStats(input);
      expect([stats.p50, stats.p95, stats.p99, stats.mean]).toEqual([p50, p95, p99, mean]);
      expect(Math.abs(stats.std - std)).toBeLessThan(1e-12);
      expect(stats.n).toBe(input.length);
    });
  }
  test("single sample and empty input", () => {
    const one = latencyStats([42]);
    expect([one.p50, one.p99, one.n]).toEqual([42, 42, 1]);
    expect(latencyStats([])).toEqual({ p50: 0, p95: 0, p99: 0, mean: 0, std: 0, min: 0, max: 0, n: 0 });
  });
});

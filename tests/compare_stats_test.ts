/**
 * compare's statistics on sample sets whose answer is known: the same distribution, a 10 % shift,
 * a bimodal noisy case, too few samples; the bootstrap reproducible from its seed.
 */
import { describe, expect, test } from "bun:test";
import { DEFAULT_COMPARE_OPTIONS, sampleChange } from "../src/compare/compare.ts";
import { findStep } from "../src/compare/history.ts";
import { compareSamples, mannWhitneyP, median } from "../src/compare/stats.ts";
import { NormalStream } from "../src/inputs/random.ts";

/** n draws of N(mean, sd²) from a seeded stream. */
function normal(n: number, mean: number, sd: number, seed: number): number[] {
  const stream = new NormalStream(seed);
  return Array.from({ length: n }, () => mean + sd * stream.next());
}

/** A ±5 % band: the synthetic sets are built around it. */
const options = { ...DEFAULT_COMPARE_OPTIONS, noise: 0.05 };

describe("classes of change", () => {
  test("the same distribution twice is unchanged, with a large p", () => {
    const change = sampleChange(normal(400, 100, 2, 1), normal(400, 100, 2, 2), options);
    expect(change.class).toBe("unchanged");
    expect(change.p).toBeGreaterThan(0.05);
    expect(change.low!).toBeLessThan(0);
    expect(change.high!).toBeGreaterThan(0);
  });

  test("a 10 % shift is regressed (and the other way, improved), the interval around +10 %", () => {
    const slower = sampleChange(normal(400, 100, 2, 3), normal(400, 110, 2.2, 4), options);
    expect(slower.class).toBe("regressed");
    expect(slower.confidence).toBe("full");
    expect(slower.low!).toBeGreaterThan(0.08);
    expect(slower.high!).toBeLessThan(0.12);
    expect(slower.p!).toBeLessThan(1e-6);
    expect(sampleChange(normal(400, 110, 2.2, 5), normal(400, 100, 2, 6), options).class).toBe("improved");
  });

  test("a bimodal noisy case is inconclusive: its interval straddles the band's edge", () => {
    const bimodal = (seed: number) => [...normal(30, 100, 1, seed), ...normal(30, 150, 1, seed + 1)];
    const change = sampleChange(bimodal(7), bimodal(9), options);
    expect(change.class).toBe("inconclusive");
    expect(change.reason).toMatch(/straddles the ±5\.0% band/);
    expect(change.high! - change.low!).toBeGreaterThan(0.1);
  });

  test("too few samples is inconclusive, saying so, even for a large change", () => {
    const change = sampleChange(normal(5, 100, 1, 11), normal(5, 200, 1, 12), options);
    expect(change.class).toBe("inconclusive");
    expect(change.reason).toBe("too few samples (5 and 5; at least 8 each)");
  });

  test("a shift beyond the band whose p is not below alpha is inconclusive, saying so", () => {
    const change = sampleChange(normal(400, 100, 2, 13), normal(400, 110, 2.2, 14), {
      ...options,
      alpha: 0,
    });
    expect(change.class).toBe("inconclusive");
    expect(change.reason).toMatch(/^p = .* is not below 0$/);
  });
});

describe("the bootstrap and the rank test", () => {
  test("the same seed gives the same interval; another seed another one", () => {
    const a = normal(200, 100, 5, 21);
    const b = normal(200, 103, 5, 22);
    const first = compareSamples(a, b, { seed: 7 });
    expect(compareSamples(a, b, { seed: 7 })).toEqual(first);
    const other = compareSamples(a, b, { seed: 8 });
    expect([other.low, other.high]).not.toEqual([first.low, first.high]);
    expect(first.change).toBeCloseTo(median(Float64Array.from(b)) / median(Float64Array.from(a)) - 1, 12);
  });

  test("Mann–Whitney: complete separation of 8 and 8 gives p ≈ 0.0008 (exact 0.00016; normal approximation)", () => {
    const p = mannWhitneyP([1, 2, 3, 4, 5, 6, 7, 8], [11, 12, 13, 14, 15, 16, 17, 18]);
    expect(p).toBeGreaterThan(0.0005);
    expect(p).toBeLessThan(0.002);
    expect(mannWhitneyP([1, 3, 5, 7, 9, 11, 13, 15], [2, 4, 6, 8, 10, 12, 14, 16])).toBeGreaterThan(0.5);
  });

  test("median of odd and even counts", () => {
    expect(median(Float64Array.from([5, 1, 3]))).toBe(3);
    expect(median(Float64Array.from([4, 1, 3, 2]))).toBe(2.5);
  });
});

describe("history's step rule", () => {
  test("a level that moved and stayed is a step at its first run; one outlier in the middle is not", () => {
    const step = findStep([10, 10.2, 9.9, 13, 13.1, 12.9], 0.05)!;
    expect(step.run).toBe(3);
    expect(step.change).toBeCloseTo(13 / 10 - 1, 1);
    expect(findStep([10, 10.1, 14, 9.9, 10.2, 10], 0.05)).toBeNull();
    expect(findStep([10, null, 10.1, 10.05], 0.05)).toBeNull();
  });
});

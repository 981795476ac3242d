/** The complexity fit on synthetic timings: exponents within ±0.05, and the right BigO class. */
import { describe, expect, test } from "bun:test";
import { fitComplexity } from "../src/report/complexity.ts";

const SIZES = [64, 128, 256, 512, 1024, 2048, 4096];

/** A fixed ±3 % multiplicative noise, different at every size, as a noisy machine gives. */
function timings(f: (n: number) => number): { n: number; time: number }[] {
  let state = 12345;
  return SIZES.map((n) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return { n, time: f(n) * (1 + 0.06 * (state / 2 ** 31 - 0.5)) };
  });
}

describe("fitComplexity", () => {
  test("n²: exponent 2 ± 0.05, class n²", () => {
    const fit = fitComplexity(timings((n) => 0.002 * n * n))!;
    expect(Math.abs(fit.exponent - 2)).toBeLessThanOrEqual(0.05);
    expect(fit.best.name).toBe("n²");
    expect(fit.rms).toBeLessThan(0.05);
  });

  test("n log n: class n log n, exponent that of n·log n over the sizes ± 0.05", () => {
    const fit = fitComplexity(timings((n) => 0.5 * n * Math.log2(n)))!;
    expect(fit.best.name).toBe("n log n");
    // The log–log slope of n·log n between sizes a and b is 1 + ln(ln b / ln a) / ln(b / a).
    const [a, b] = [SIZES[0], SIZES.at(-1)!];
    const expected = 1 + Math.log(Math.log(b) / Math.log(a)) / Math.log(b / a);
    expect(Math.abs(fit.exponent - expected)).toBeLessThanOrEqual(0.05);
    expect(fit.exponent).toBeGreaterThan(1.05);
  });

  test("n³ and n are told apart from n²", () => {
    expect(fitComplexity(timings((n) => n ** 3))!.best.name).toBe("n³");
    expect(fitComplexity(timings((n) => 40 * n))!.best.name).toBe("n");
  });

  test("no fit from fewer than two sizes or from a time that is not positive", () => {
    expect(fitComplexity([{ n: 64, time: 1 }, { n: 64, time: 2 }])).toBeUndefined();
    expect(fitComplexity([{ n: 64, time: 1 }, { n: 128, time: 0 }])).toBeUndefined();
  });
});

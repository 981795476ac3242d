import { describe, expect, test } from "bun:test";
import { counterEnergy, estimateEnergy, type PowerSample } from "../plugins/power/energy.ts";

const at = (watts: number, seconds: number): PowerSample => ({ watts, timestamp_us: seconds * 1e6 });

describe("estimateEnergy (ruvector.md §3.2 estimate_energy)", () => {
  test("no samples: everything 0", () => {
    expect(estimateEnergy([])).toEqual({
      total_joules: 0,
      mean_watts: 0,
      peak_watts: 0,
      duration_s: 0,
      samples: 0,
    });
  });

  test("one sample: 0 J and 0 s, mean and peak are its watts", () => {
    expect(estimateEnergy([at(42, 0)])).toEqual({
      total_joules: 0,
      mean_watts: 42,
      peak_watts: 42,
      duration_s: 0,
      samples: 1,
    });
  });

  test("constant 100 W for 1 s is 100 J", () => {
    expect(Math.abs(estimateEnergy([at(100, 0), at(100, 1)]).total_joules - 100)).toBeLessThan(1e-9);
  });

  test("ramp 0 → 200 W over 1 s is 100 J", () => {
    expect(Math.abs(estimateEnergy([at(0, 0), at(200, 1)]).total_joules - 100)).toBeLessThan(1e-9);
  });

  test("reference vector: (10 W @0, 20 W @0.5 s, 40 W @2 s)", () => {
    expect(estimateEnergy([at(10, 0), at(20, 0.5), at(40, 2)])).toEqual({
      total_joules: 52.5,
      mean_watts: 23.333333333333332,
      peak_watts: 40,
      duration_s: 2,
      samples: 3,
    });
  });

  test("reference vector: unsorted (10 W @1 s, 30 W @0, 50 W @2 s), the backward pair counts 0", () => {
    expect(estimateEnergy([at(10, 1), at(30, 0), at(50, 2)])).toEqual({
      total_joules: 80,
      mean_watts: 30,
      peak_watts: 50,
      duration_s: 1,
      samples: 3,
    });
  });

  test("duration saturates at 0 when the last sample is earlier than the first", () => {
    expect(estimateEnergy([at(10, 2), at(10, 1)]).duration_s).toBe(0);
  });

  test("peak ignores NaN; mean does not", () => {
    const result = estimateEnergy([at(NaN, 0), at(30, 1), at(NaN, 2)]);
    expect(result.peak_watts).toBe(30);
    expect(result.mean_watts).toBeNaN();
    expect(estimateEnergy([at(NaN, 0), at(NaN, 1)]).peak_watts).toBe(-Infinity);
  });

  test("mean is not time-weighted", () => {
    expect(estimateEnergy([at(0, 0), at(100, 0.001), at(100, 10)]).mean_watts).toBeCloseTo(200 / 3, 12);
  });
});

describe("counterEnergy", () => {
  test("difference of two reads over their interval", () => {
    expect(counterEnergy({ joules: 10, timestamp_us: 0 }, { joules: 40, timestamp_us: 2_000_000 })).toEqual({
      total_joules: 30,
      duration_s: 2,
      mean_watts: 15,
    });
  });

  test("an empty window has 0 mean watts rather than a division by zero", () => {
    expect(counterEnergy({ joules: 5, timestamp_us: 7 }, { joules: 5, timestamp_us: 7 }).mean_watts).toBe(0);
  });

  test("a counter that went down (reset) is refused with both values", () => {
    expect(() => counterEnergy({ joules: 40, timestamp_us: 0 }, { joules: 3, timestamp_us: 1 }))
      .toThrow("energy counter went from 40 J to 3 J; expected a non-decreasing counter");
  });
});

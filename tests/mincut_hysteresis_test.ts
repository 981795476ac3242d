import { describe, expect, test } from "bun:test";
import { hysteresisBytes, HysteresisTracker } from "../kernels/mincut/hysteresis.ts";

const mask = (text: string): Uint8Array => Uint8Array.from(text, (c) => (c === "1" ? 1 : 0));
const text = (m: Uint8Array | undefined): string | undefined => m && Array.from(m).join("");

describe("HysteresisTracker (ruvector §1.5)", () => {
  test("τ=3: the first call passes through", () => {
    expect(text(new HysteresisTracker(3).apply(mask("110")))).toBe("110");
  });

  test("τ=3: init 110, then 011 twice returns the init mask both times", () => {
    const tracker = new HysteresisTracker(3);
    tracker.apply(mask("110"));
    expect(text(tracker.apply(mask("011")))).toBe("110");
    expect(text(tracker.apply(mask("011")))).toBe("110");
  });

  test("τ=2: init 10, then 01 twice flips on the second call", () => {
    const tracker = new HysteresisTracker(2);
    tracker.apply(mask("10"));
    expect(text(tracker.apply(mask("01")))).toBe("10");
    expect(text(tracker.apply(mask("01")))).toBe("01");
  });

  test("τ=3: 1, 0, 1, 0, 0 returns 1 on the last call (count 2 < 3)", () => {
    const tracker = new HysteresisTracker(3);
    let last: Uint8Array = new Uint8Array();
    for (const raw of ["1", "0", "1", "0", "0"]) last = tracker.apply(mask(raw));
    expect(text(last)).toBe("1");
  });

  for (
    const [tau, outputs] of [
      [0, "10 01 01 01 11 101"],
      [1, "10 01 01 01 11 101"],
      [2, "10 10 01 01 01 101"],
      [3, "10 10 10 01 01 101"],
    ] as const
  ) {
    test(`reference table, τ=${tau}: ${outputs}, final step 6, final mask 101`, () => {
      const tracker = new HysteresisTracker(tau);
      expect(tracker.currentMask()).toBeUndefined();
      const seen = ["10", "01", "01", "01", "11", "101"].map((raw) => text(tracker.apply(mask(raw))));
      expect(seen.join(" ")).toBe(outputs);
      expect(tracker.step).toBe(6);
      expect(text(tracker.currentMask())).toBe("101");
    });
  }

  test("preallocated: apply returns the same buffer every call of that length", () => {
    const tracker = new HysteresisTracker(2, 3);
    const first = tracker.apply(mask("101"));
    expect(tracker.apply(mask("010"))).toBe(first);
    expect(hysteresisBytes(3)).toBe(15);
  });

  test("rejects a negative or fractional tau", () => {
    expect(() => new HysteresisTracker(-1)).toThrow("tau is -1, expected a non-negative integer");
    expect(() => new HysteresisTracker(1.5)).toThrow("tau is 1.5");
  });
});

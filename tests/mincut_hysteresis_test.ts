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

  test("agrees with a plain per-entry model, kept count included, over repeated and changing masks", () => {
    // Repeats exercise the unchanged-mask shortcut, changes the per-entry step; odd lengths and an
    // unaligned raw view exercise the word comparison's tail and its byte fallback.
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (const [tau, length, offset] of [[2, 16, 0], [3, 13, 1], [1, 7, 0], [0, 64, 3]] as const) {
      const tracker = new HysteresisTracker(tau, length);
      const model = { stable: new Uint8Array(length), counts: new Uint32Array(length), started: false };
      const storage = new Uint8Array(length + offset);
      const raw = storage.subarray(offset);
      for (let call = 0; call < 60; call++) {
        if (call % 3 === 0) {
          for (let i = 0; i < length; i++) {
            raw[i] = random() < 0.2 ? 1 - raw[i] : raw[i];
          }
        }
        if (call % 7 === 5) raw[Math.floor(random() * length)] = 2; // any nonzero value means kept
        applyModel(model, raw, tau);
        const stable = tracker.apply(raw);
        expect(text(stable)).toBe(text(model.stable));
        expect(tracker.kept).toBe(model.stable.reduce((sum, x) => sum + x, 0));
      }
    }
  });

  test("rejects a negative or fractional tau", () => {
    expect(() => new HysteresisTracker(-1)).toThrow("tau is -1, expected a non-negative integer");
    expect(() => new HysteresisTracker(1.5)).toThrow("tau is 1.5");
  });
});

/** The reference's per-entry rule, written plainly (ruvector.md §1.5), for the agreement test. */
function applyModel(
  model: { stable: Uint8Array; counts: Uint32Array; started: boolean },
  raw: Uint8Array,
  tau: number,
): void {
  for (let i = 0; i < raw.length; i++) {
    const value = raw[i] !== 0 ? 1 : 0;
    if (!model.started || value === model.stable[i]) {
      model.stable[i] = value;
      model.counts[i] = 0;
    } else if (++model.counts[i] >= tau) {
      model.stable[i] = value;
      model.counts[i] = 0;
    }
  }
  model.started = true;
}

/**
 * The reference `HysteresisTracker` (ruvector.md §1.5): a keep mask that only flips a position
 * after `tau` consecutive calls disagreeing with its stable value. `tau` = 0 and `tau` = 1 behave
 * identically (every disagreement flips at once). Masks are 0/1 `Uint8Array`s; the tracker owns
 * the stable mask and returns it, so `apply` allocates nothing while the length stays the same.
 *
 * @example
 * ```ts
 * import { HysteresisTracker } from "./hysteresis.ts";
 * const tracker = new HysteresisTracker(2);
 * tracker.apply(new Uint8Array([1, 0])); // [1, 0] (first call passes through)
 * tracker.apply(new Uint8Array([0, 1])); // [1, 0] (one disagreement)
 * tracker.apply(new Uint8Array([0, 1])); // [0, 1] (second in a row: flips)
 * ```
 * @module
 */

/**
 * Stabilises successive keep masks with a `tau`-step hysteresis.
 *
 * @example
 * ```ts
 * const tracker = new HysteresisTracker(3, 4); // preallocated for masks of length 4
 * tracker.currentMask(); // undefined
 * ```
 */
export class HysteresisTracker {
  /** Consecutive disagreeing calls needed to flip a position. */
  readonly tau: number;
  #stable: Uint8Array;
  #counts: Uint32Array;
  #hasMask = false;
  #step = 0;

  /** `length` preallocates for masks of that length (others reallocate on their first call). */
  constructor(tau: number, length = 0) {
    if (!Number.isInteger(tau) || tau < 0) {
      throw new RangeError(`tau is ${tau}, expected a non-negative integer`);
    }
    this.tau = tau;
    this.#stable = new Uint8Array(length);
    this.#counts = new Uint32Array(length);
  }

  /** Number of `apply` calls so far. */
  get step(): number {
    return this.#step;
  }

  /** The stable mask, or undefined before the first `apply`. */
  currentMask(): Uint8Array | undefined {
    return this.#hasMask ? this.#stable : undefined;
  }

  /**
   * Advances one step with the raw 0/1 mask and returns the stable mask (the tracker's own buffer,
   * valid until the next call). The first call, and a call whose length differs from the last,
   * store `raw` as the stable mask and return it unchanged.
   */
  apply(raw: Uint8Array): Uint8Array {
    this.#step++;
    if (!this.#hasMask || raw.length !== this.#stable.length) {
      this.#reset(raw);
      return this.#stable;
    }
    const stable = this.#stable;
    const counts = this.#counts;
    const tau = this.tau;
    // Without a branch: a new sample's mask disagrees with the stable one at random places, which
    // a branch would mispredict at every other disagreement.
    for (let i = 0; i < raw.length; i++) {
      const differs = ((raw[i] + 255) >> 8) ^ stable[i]; // 1 when the raw value (0/1) disagrees
      const count = (counts[i] + 1) * differs; // 0 when it agrees, else one more disagreement
      const flips = Number(count >= tau) & differs;
      stable[i] ^= flips;
      counts[i] = count * (1 - flips);
    }
    return stable;
  }

  #reset(raw: Uint8Array): void {
    if (raw.length !== this.#stable.length) {
      this.#stable = new Uint8Array(raw.length);
      this.#counts = new Uint32Array(raw.length);
    }
    for (let i = 0; i < raw.length; i++) this.#stable[i] = (raw[i] + 255) >> 8;
    this.#counts.fill(0);
    this.#hasMask = true;
  }
}

/**
 * Bytes a `new HysteresisTracker(tau, length)` allocates: the stable mask and a u32 count per entry.
 *
 * @example
 * ```ts
 * hysteresisBytes(16); // 80
 * ```
 */
export function hysteresisBytes(length: number): number {
  return length * (Uint8Array.BYTES_PER_ELEMENT + Uint32Array.BYTES_PER_ELEMENT);
}

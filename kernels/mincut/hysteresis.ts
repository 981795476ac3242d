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
  /** Positions whose disagreement count is nonzero after the last call. */
  #pending = 0;
  /** Ones in the stable mask. */
  #kept = 0;
  /** Word views for comparing masks four entries at a time, made again only when a buffer changes. */
  #stableWords: Uint32Array;
  #rawWords: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  #rawSource: Uint8Array | undefined;

  /** `length` preallocates for masks of that length (others reallocate on their first call). */
  constructor(tau: number, length = 0) {
    if (!Number.isInteger(tau) || tau < 0) {
      throw new RangeError(`tau is ${tau}, expected a non-negative integer`);
    }
    this.tau = tau;
    this.#stable = new Uint8Array(length);
    this.#counts = new Uint32Array(length);
    this.#stableWords = new Uint32Array(this.#stable.buffer, 0, length >> 2);
  }

  /** Number of `apply` calls so far. */
  get step(): number {
    return this.#step;
  }

  /**
   * Ones in the stable mask that the last `apply` returned (0 before the first).
   *
   * @example
   * ```ts
   * const tracker = new HysteresisTracker(2);
   * tracker.apply(new Uint8Array([1, 0, 1]));
   * tracker.kept; // 2
   * ```
   */
  get kept(): number {
    return this.#kept;
  }

  /** The stable mask, or undefined before the first `apply`. */
  currentMask(): Uint8Array | undefined {
    return this.#hasMask ? this.#stable : undefined;
  }

  /**
   * Advances one step with the raw 0/1 mask and returns the stable mask (the tracker's own buffer,
   * valid until the next call; read it, never write into it: the tracker keeps its count of ones). The first call, and a call whose length differs from the last,
   * store `raw` as the stable mask and return it unchanged. When no count is pending and `raw`
   * equals the stable mask (a timed loop over fixed inputs, every call after the first), nothing
   * can change: one comparison of the two masks, four entries at a time, is the whole step.
   */
  apply(raw: Uint8Array): Uint8Array {
    this.#step++;
    if (!this.#hasMask || raw.length !== this.#stable.length) {
      this.#reset(raw);
      return this.#stable;
    }
    if (this.#pending === 0 && this.#sameAsStable(raw)) return this.#stable;
    const stable = this.#stable;
    const counts = this.#counts;
    const tau = this.tau;
    let pending = 0;
    let kept = 0;
    // Without a branch: a new sample's mask disagrees with the stable one at random places, which
    // a branch would mispredict at every other disagreement.
    for (let i = 0; i < raw.length; i++) {
      const differs = ((raw[i] + 255) >> 8) ^ stable[i]; // 1 when the raw value (0/1) disagrees
      const count = (counts[i] + 1) * differs; // 0 when it agrees, else one more disagreement
      const flips = Number(count >= tau) & differs;
      const value = stable[i] ^ flips;
      stable[i] = value;
      counts[i] = count * (1 - flips);
      pending += differs & (1 - flips);
      kept += value;
    }
    this.#pending = pending;
    this.#kept = kept;
    return stable;
  }

  /** True when `raw` holds exactly the stable mask's bytes. */
  #sameAsStable(raw: Uint8Array): boolean {
    const stable = this.#stable;
    const words = raw.byteOffset % 4 === 0 ? this.#wordsOf(raw) : undefined;
    let i = 0;
    if (words !== undefined) {
      const stableWords = this.#stableWords;
      for (; i < words.length; i++) if (words[i] !== stableWords[i]) return false;
      i *= 4;
    }
    for (; i < raw.length; i++) if (raw[i] !== stable[i]) return false;
    return true;
  }

  /** A Uint32Array over `raw`'s whole words, kept while `raw` stays the same buffer. */
  #wordsOf(raw: Uint8Array): Uint32Array {
    if (raw !== this.#rawSource) {
      this.#rawSource = raw;
      this.#rawWords = new Uint32Array(raw.buffer, raw.byteOffset, raw.length >> 2);
    }
    return this.#rawWords;
  }

  #reset(raw: Uint8Array): void {
    if (raw.length !== this.#stable.length) {
      this.#stable = new Uint8Array(raw.length);
      this.#counts = new Uint32Array(raw.length);
      this.#stableWords = new Uint32Array(this.#stable.buffer, 0, raw.length >> 2);
    }
    let kept = 0;
    for (let i = 0; i < raw.length; i++) {
      const value = (raw[i] + 255) >> 8;
      this.#stable[i] = value;
      kept += value;
    }
    this.#counts.fill(0);
    this.#pending = 0;
    this.#kept = kept;
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

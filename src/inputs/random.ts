/**
 * Seeded pseudo-random streams whose output is identical on every runtime: xoshiro128** for
 * uniforms, the polar method with {@link exactLn} for normals.
 *
 * @example
 * ```ts
 * import { NormalStream } from "./random.ts";
 * const rng = new NormalStream(42);
 * rng.next(); // the same number on Deno, Bun and Node
 * ```
 * @module
 */
import { exactLn } from "./exact_math.ts";

/**
 * xoshiro128** seeded through splitmix32 from a non-negative integer seed (up to 2^53).
 *
 * @example
 * ```ts
 * new UniformStream(1).nextUint32(); // deterministic 32-bit integer
 * ```
 */
export class UniformStream {
  #s = new Uint32Array(4);

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
    }
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32) >>> 0, 0x9e3779b9);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.#s[i] = z ^ (z >>> 16);
    }
    if (this.#s.every((w) => w === 0)) this.#s[0] = 1;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }
}

/**
 * Standard normal deviates (mean 0, standard deviation 1) by the Marsaglia polar method.
 *
 * @example
 * ```ts
 * const rng = new NormalStream(7);
 * const x = rng.next();
 * ```
 */
export class NormalStream {
  #uniform: UniformStream;
  #spare: number | undefined;

  constructor(seed: number) {
    this.#uniform = new UniformStream(seed);
  }

  /** Next standard normal deviate. */
  next(): number {
    if (this.#spare !== undefined) {
      const spare = this.#spare;
      this.#spare = undefined;
      return spare;
    }
    for (;;) {
      const u = this.#uniform.nextFloat() * 2 - 1;
      const v = this.#uniform.nextFloat() * 2 - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const factor = Math.sqrt((-2 * exactLn(s)) / s);
      this.#spare = v * factor;
      return u * factor;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

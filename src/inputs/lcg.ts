/**
 * `lcg`: the deterministic generator of the original project's claim-audit bench (reference
 * ruvector.md §1.8): a 64-bit LCG, three draws per (token, channel) in q, k, v order, and a
 * sinusoidal pattern shared by Q and K. V and the draws are the original's bit for bit; Q and K
 * are not quite: the pattern's `sin` is `Math.fround(Math.sin(x))` here and glibc's `sinf` in the
 * Rust original, which round differently for about 1 % of the (token, channel) points (checked
 * against the original by bench/mincut_vs_rust.ts, which reports the count; the gates' edge
 * counts and cut costs still agreed at every size it runs).
 *
 * @example
 * ```ts
 * import { lcgGenerator } from "./lcg.ts";
 * const inputs = lcgGenerator.generate({ seq_len: 32, q_width: 64, kv_width: 64 }, 42, { audit_seed: true });
 * ```
 * @module
 */
import * as v from "valibot";
import { allocateInputs, defineGenerator, type InputGenerator } from "./generator.ts";

const MULTIPLIER = 6364136223846793005n;
const INCREMENT = 1442695040888963407n;
const MASK64 = (1n << 64n) - 1n;
const f32 = Math.fround;

/**
 * The audit LCG: `state = state·6364136223846793005 + 1442695040888963407 (mod 2^64)`, each draw
 * `f32(state >> 40) / 2^24 − 0.5`, the state advanced before the draw is taken.
 *
 * @example
 * ```ts
 * const lcg = new AuditLcg(0xC0FFEE00n ^ 32n);
 * lcg.draw(); // in [-0.5, 0.5)
 * ```
 */
export class AuditLcg {
  #state: bigint;

  constructor(seed: bigint) {
    this.#state = seed & MASK64;
  }

  /** Next draw, an f32 value in [−0.5, 0.5). */
  draw(): number {
    this.#state = (this.#state * MULTIPLIER + INCREMENT) & MASK64;
    return Number(this.#state >> 40n) / 16777216 - 0.5;
  }
}

const options = v.strictObject({
  /** Use the audit's seed, 0xC0FFEE00 XOR seq_len, instead of the spec's seed. */
  audit_seed: v.optional(v.boolean(), false),
});

/** The audit generator of reference §1.8. */
export const lcgGenerator: InputGenerator<v.InferOutput<typeof options>> = defineGenerator({
  name: "lcg",
  description:
    "the original claim-audit LCG inputs (reference §1.8), bit for bit; audit_seed: seed = 0xC0FFEE00 ^ seq_len",
  options,
  generate(shape, seed, { audit_seed }) {
    if (shape.q_width !== shape.kv_width) {
      throw new RangeError(
        `the lcg generator needs q_width == kv_width, got ${shape.q_width} and ${shape.kv_width}`,
      );
    }
    const inputs = allocateInputs(shape);
    const lcg = new AuditLcg(audit_seed ? 0xC0FFEE00n ^ BigInt(shape.seq_len) : BigInt(seed));
    const d = shape.q_width;
    const step = f32(0.07);
    const three = f32(0.3);
    for (let i = 0; i < shape.seq_len; i++) {
      for (let h = 0; h < d; h++) {
        const p = f32(Math.sin(f32(f32(i * (h + 1)) * step)));
        const half = f32(p * 0.5);
        const at = i * d + h;
        inputs.q[at] = f32(half + f32(f32(lcg.draw()) * three));
        inputs.k[at] = f32(half + f32(f32(lcg.draw()) * three));
        inputs.v[at] = lcg.draw();
      }
    }
    return inputs;
  },
});

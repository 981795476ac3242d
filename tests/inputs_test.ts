import { describe, expect, test } from "bun:test";
import { inputGenerators } from "../mod.ts";
import { exactLn } from "../src/inputs/exact_math.ts";
import { AuditLcg } from "../src/inputs/lcg.ts";
import { NormalStream, UniformStream } from "../src/inputs/random.ts";

const shape = { seq_len: 16, q_width: 8, kv_width: 8 };

describe("input generators", () => {
  test("exactLn agrees with Math.log to 2 ulp over many magnitudes", () => {
    for (const x of [1e-300, 1e-10, 0.001, 0.3, 0.5, 0.7071, 1, 1.5, 2, Math.E, 10, 12345.678, 1e300]) {
      expect(Math.abs(exactLn(x) - Math.log(x))).toBeLessThanOrEqual(
        4.5e-16 * Math.max(1, Math.abs(Math.log(x))),
      );
    }
    expect(() => exactLn(0)).toThrow(/positive finite/);
  });

  test("normal: deterministic per seed, mean ≈ 0 and std ≈ 1", () => {
    const a = inputGenerators.normal.generate(shape, 42, { std: 1 });
    const b = inputGenerators.normal.generate(shape, 42, { std: 1 });
    const c = inputGenerators.normal.generate(shape, 43, { std: 1 });
    expect(Array.from(a.q)).toEqual(Array.from(b.q));
    expect(Array.from(a.q)).not.toEqual(Array.from(c.q));
    const stream = new NormalStream(7);
    const xs = Array.from({ length: 20000 }, () => stream.next());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(std - 1)).toBeLessThan(0.03);
  });

  test("normal: the first values are pinned, so a runtime that computes them differently is caught", () => {
    const u = new UniformStream(42);
    const first = [u.nextUint32(), u.nextUint32(), u.nextUint32()];
    const again = new UniformStream(42);
    expect([again.nextUint32(), again.nextUint32(), again.nextUint32()]).toEqual(first);
    const q = inputGenerators.normal.generate({ seq_len: 1, q_width: 4, kv_width: 4 }, 42, { std: 1 }).q;
    expect(Array.from(q)).toEqual(PINNED_NORMAL_42);
  });

  test("lcg: the audit LCG's draws match the recurrence computed independently (Python)", () => {
    const lcg = new AuditLcg(42n);
    expect([lcg.draw(), lcg.draw(), lcg.draw()]).toEqual([
      0.0682302713394165,
      -0.2745366096496582,
      -0.08716171979904175,
    ]);
  });

  test("lcg: q and k share the sinusoid, values are f32 and v lies in [-0.5, 0.5)", () => {
    const x = inputGenerators.lcg.generate({ seq_len: 8, q_width: 4, kv_width: 4 }, 42, {
      audit_seed: false,
    });
    for (const t of [x.q, x.k, x.v]) for (const value of t) expect(Math.fround(value)).toBe(value);
    for (const value of x.v) expect(value >= -0.5 && value < 0.5).toBe(true);
    const seeded = inputGenerators.lcg.generate({ seq_len: 8, q_width: 4, kv_width: 4 }, 0, {
      audit_seed: true,
    });
    const direct = inputGenerators.lcg.generate(
      { seq_len: 8, q_width: 4, kv_width: 4 },
      (0xC0FFEE00 ^ 8) >>> 0,
      { audit_seed: false },
    );
    expect(Array.from(seeded.q)).toEqual(Array.from(direct.q));
  });

  test("identity reproduces the original tests' make_qkv(4, 3)", () => {
    const x = inputGenerators.identity.generate({ seq_len: 4, q_width: 3, kv_width: 3 }, 0, {});
    expect(Array.from(x.q)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    expect(Array.from(x.v)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});

// Produced once on Deno; both runtimes must reproduce these f32 values exactly.
const PINNED_NORMAL_42 = [0.3187578618526459, -0.7706159949302673, 0.15178267657756805, -0.12624146044254303];

import { describe, expect, test } from "bun:test";
import path from "node:path";
import { canonicalJson, configHash, loadSpec, planRun, sha256Hex } from "../mod.ts";
import { ROOT } from "./support/temp.ts";

describe("config hash", () => {
  test("is SHA-256 of RFC 8785 canonical JSON, independent of key order", async () => {
    expect(canonicalJson({ b: [1, 2.5], a: "x" })).toBe('{"a":"x","b":[1,2.5]}');
    // sha256 of '{"a":"x","b":[1,2.5]}', computed with Python's hashlib
    expect(await configHash({ b: [1, 2.5], a: "x" })).toBe(
      "66efddae6a97500318e4c6cdc4bc04149f340a165a7ef2d830393048b67b7a31",
    );
    expect(await configHash({ a: "x", b: [1, 2.5] })).toBe(await configHash({ b: [1, 2.5], a: "x" }));
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  test("the softmax sweep's hashes are pinned (the same on Deno, Bun and Node)", async () => {
    const plan = await planRun(await loadSpec(path.join(ROOT, "specs", "softmax-sweep.yaml")));
    expect(plan.cases).toHaveLength(8);
    expect(plan.cases[0].config_hash).toBe(
      "c3025a6deda13d9802d801407a4fe090991b13e905d12d050fb936cd0b7acdbd",
    );
    expect(plan.cases[7].config_hash).toBe(
      "85a8aa1f458b8897338b767eacf6ea14f1ee547a57b870eddaf786bc02b487a8",
    );
  });

  test("covers kernel, version, parameter point, inputs, seed and budget — and nothing else", async () => {
    const base = {
      kernel: { name: "softmax", version: "1.2.0" },
      params: { seq_len: 64, d: 32, causal: false },
      inputs: { generator: "normal", options: { std: 1 }, seed: 42 },
      budget: { min_samples: 12, max_samples: 100000, min_time_ms: 300, max_time_ms: 3000, warmup: 3 },
    };
    expect(await configHash(base)).toBe("c3025a6deda13d9802d801407a4fe090991b13e905d12d050fb936cd0b7acdbd");
    const variants = [
      { ...base, kernel: { ...base.kernel, version: "1.2.1" } },
      { ...base, params: { ...base.params, d: 64 } },
      { ...base, inputs: { ...base.inputs, seed: 43 } },
      { ...base, budget: { ...base.budget, warmup: 4 } },
    ];
    const hashes = new Set(await Promise.all(variants.map(configHash)));
    expect(hashes.size).toBe(4);
    expect(hashes.has(await configHash(base))).toBe(false);
  });

  test("a default written out explicitly does not change the hash", async () => {
    const implicit = await planRun(await loadSpec(path.join(ROOT, "specs", "softmax-sweep.yaml")));
    expect(implicit.cases[0].params).toEqual({ seq_len: 64, d: 32, causal: false });
  });
});

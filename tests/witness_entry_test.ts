import { describe, expect, test } from "bun:test";
import { sha256Hex } from "../src/hash.ts";
import { chainLine, encodeMask, GENESIS, witnessLog } from "../src/witness/entry.ts";
import { formatF32Json } from "../src/witness/f32_json.ts";
import { hashTensor } from "../src/witness/hash_tensor.ts";

describe("serde f32 JSON format (ruvector.md §0.2 A)", () => {
  test("the reference examples", () => {
    const cases: [number, string][] = [
      [0.5, "0.5"],
      [0.01, "0.01"],
      [1e-6, "0.000001"],
      [1e-7, "1e-7"],
      [1.5, "1.5"],
      [123456789, "123456790.0"],
      [0.1, "0.1"],
      [2, "2.0"],
      [42, "42.0"],
      [0, "0.0"],
      [-0, "-0.0"],
      [NaN, "null"],
      [Infinity, "null"],
      [1.5e-7, "1.5e-7"],
      [2e13, "2e+13"],
      [-0.003, "-0.003"],
      [1e12, "1000000000000.0"],
    ];
    for (const [value, text] of cases) expect(formatF32Json(value)).toBe(text);
  });
});

describe("witness_log (ruvector.md §1.6)", () => {
  test("the test entry", () => {
    expect(
      witnessLog({
        q_hash: "a",
        k_hash: "b",
        keep_mask: [true, false],
        cut_cost: 1.5,
        lambda: 0.5,
        tau: 2,
        eps: 0.01,
        timestamp: 1000,
      }),
    )
      .toBe(
        '{"q_hash":"a","k_hash":"b","keep_mask":[true,false],"cut_cost":1.5,"lambda":0.5,"tau":2,"eps":0.01,"timestamp":1000}',
      );
  });

  test("the README entry hashes to the reference value", async () => {
    const line = witnessLog({
      q_hash: await hashTensor([1, 2, 3]),
      k_hash: await hashTensor([4, 5, 6]),
      keep_mask: [true, false, true, true],
      cut_cost: 1.5,
      lambda: 0.5,
      tau: 2,
      eps: 0.01,
      timestamp: 1700000000,
    });
    expect(await sha256Hex(line)).toBe("38a705f5c3136767d0c6264dbd24c43f0ba46a2d4b7b72f2f677def608cff54d");
  });

  test("a zero cut cost is written 0.0, not 0", () => {
    expect(
      witnessLog({
        q_hash: "a",
        k_hash: "b",
        keep_mask: [],
        cut_cost: 0,
        lambda: 0.3,
        tau: 0,
        eps: 0.01,
        timestamp: 1,
      }),
    ).toContain('"cut_cost":0.0');
  });

  test("chain lines append the chain fields; bitset masks are base64", () => {
    const entry = {
      q_hash: "a",
      k_hash: "b",
      keep_mask: new Uint8Array([1, 0, 1, 1, 0, 0, 0, 0, 1]),
      cut_cost: 0,
      lambda: 0.5,
      tau: 2,
      eps: 0.01,
      timestamp: 5,
    };
    const line = chainLine(entry, {
      output_hash: "c",
      config_hash: "d",
      seed: 42,
      sample_id: 3,
      seq_len: 3,
      prev_hash: GENESIS,
    }, "bitset");
    expect(line).toBe(
      `{"q_hash":"a","k_hash":"b","keep_mask":"b64:DQE=","cut_cost":0.0,"lambda":0.5,"tau":2,"eps":0.01,"timestamp":5,` +
        `"output_hash":"c","config_hash":"d","seed":42,"sample_id":3,"seq_len":3,"prev_hash":"${GENESIS}"}`,
    );
    expect(JSON.parse(line).keep_mask).toBe("b64:DQE=");
    expect(encodeMask([1, 0, 1], "bools")).toBe("[true,false,true]");
  });
});

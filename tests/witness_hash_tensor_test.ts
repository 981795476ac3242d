import { describe, expect, test } from "bun:test";
import { hashTensor } from "../src/witness/hash_tensor.ts";

describe("hashTensor (ruvector §1.6)", () => {
  for (
    const [tensor, hash] of [
      [[1, 2, 3], "8e628779e6a74ee0b36991c10158f63cafec7d340ad4e075592502c8708524dd"],
      [[4, 5, 6], "3928b70927b41c1097fc750dc2759c182b37246ba79c1dfef52e7d96a86c944b"],
      [[1, 2], "b9c80b5adeca450753a16950c3cc655d271f7bef7a485bc83f112b72fef21d37"],
      [[1, 3], "a47077a19cd711eed33ac9521628adc95b9fbae3f98b8a29810cc96dbc1065af"],
      [[], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
      [[0.0], "df3f619804a92fdb4057192dc43dd748ea778adc52bc498ce80524c014b81119"],
      [[-0.0], "6d58692645c9d1cfaf13541cbd258f86193ef63c2f1d38f6bbca9617372d7bd6"],
      [[0.1], "fb360f7241a770dc32cade9a1d1273c92b13bd4959b1c130931312b7fe95e63f"],
    ] as const
  ) {
    test(`[${tensor.map((x) => Object.is(x, -0) ? "-0" : String(x)).join(",")}]`, async () => {
      expect(await hashTensor(tensor)).toBe(hash);
      expect(await hashTensor(new Float32Array(tensor))).toBe(hash);
    });
  }

  test("deterministic, 64 lowercase hex characters, [1,2] ≠ [1,3]", async () => {
    const a = await hashTensor([1, 2]);
    expect(await hashTensor([1, 2])).toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashTensor([1, 3])).not.toBe(a);
  });

  test("a Float32Array view hashes only its own elements", async () => {
    const backing = new Float32Array([9, 1, 2, 3, 9]);
    expect(await hashTensor(backing.subarray(1, 4))).toBe(await hashTensor([1, 2, 3]));
  });
});

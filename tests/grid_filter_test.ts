import { describe, expect, test } from "bun:test";
import { expandGrid } from "../mod.ts";
import { parseFilter, selectCases } from "../src/filter.ts";

describe("grid expansion", () => {
  test("scalars are fixed, lists are axes, first axis slowest", () => {
    expect(expandGrid({ a: [1, 2], b: ["x", "y"], c: true }, []).points).toEqual([
      { a: 1, b: "x", c: true },
      { a: 1, b: "y", c: true },
      { a: 2, b: "x", c: true },
      { a: 2, b: "y", c: true },
    ]);
  });
  test("exclude drops matching points (a list matches any of its values) and reports unused entries", () => {
    const grid = expandGrid({ a: [1, 2, 3], b: [10, 20] }, [{ a: [1, 2], b: 20 }, { a: 9 }]);
    expect(grid.points).toEqual([{ a: 1, b: 10 }, { a: 2, b: 10 }, { a: 3, b: 10 }, { a: 3, b: 20 }]);
    expect(grid.unusedExcludes).toEqual([1]);
  });
});

describe("--filter", () => {
  const item = (seq_len: number, hash: string, kernel = "softmax") => ({
    config_hash: hash,
    kernel,
    role: "kernel",
    params: { seq_len, d: 64 },
  });
  const items = [item(64, "aaaa1111"), item(256, "bbbb2222"), item(512, "cccc3333", "flash")];
  test("conditions joined by commas must all hold", () => {
    expect(selectCases(items, ["seq_len>=256,d=64"]).map((i) => i.params.seq_len)).toEqual([256, 512]);
    expect(selectCases(items, ["kernel=flash"]).map((i) => i.config_hash)).toEqual(["cccc3333"]);
    expect(selectCases(items, ["seq_len!=256"]).length).toBe(2);
  });
  test("several filters are a union; a hex word is a hash prefix", () => {
    expect(selectCases(items, ["bbbb", "seq_len<100"]).map((i) => i.config_hash)).toEqual([
      "aaaa1111",
      "bbbb2222",
    ]);
  });
  test("mistakes are reported", () => {
    expect(() => parseFilter("seq_len~3")).toThrow(/cannot read "seq_len~3"/);
    expect(() => selectCases(items, ["heads=2"])).toThrow(/no case has a parameter "heads"/);
    expect(() => selectCases(items, ["seq_len=1"])).toThrow(/matches none of the 3 cases/);
  });
});

import { describe, expect, test } from "bun:test";
import { collectGarbage, runtimeInfo } from "../src/runtime.ts";

describe("collectGarbage", () => {
  test("is a real collector on this runtime, with no command-line flag", async () => {
    expect(runtimeInfo().gc).toBe("real");
    const gc = collectGarbage()!;
    expect(typeof gc).toBe("function");
    // A WeakRef's target survives at least until the job that made it ends, hence the await.
    let target: object | null = { payload: new Float64Array(1024) };
    const ref = new WeakRef(target);
    target = null;
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(ref.deref()).toBeUndefined();
  });
});

/**
 * The ETA's cost model (src/eta.ts) and the progress line it feeds: cases scale with their
 * flops under the budget's rules, and a study's witness check is counted.
 */
import { describe, expect, test } from "bun:test";
import { CostModel, WITNESS_RERUN_FACTOR } from "../src/eta.ts";
import { Progress } from "../src/progress.ts";

const budget = { min_samples: 12, max_samples: 1000, min_time_ms: 300, max_time_ms: 3000, warmup: 3 };

/** A case of `flops` whose call takes 0.5 ns per flop, timed as the sampler's rules say, plus 50 ms. */
function spent(flops: number, evalSamples: number) {
  const callMs = (0.5 * flops) / 1e6;
  const loop_ms = Math.max(12 * callMs, 300);
  const warmup_ms = Math.max(3 * callMs, 100);
  return {
    duration_ms: 50 + loop_ms + warmup_ms + evalSamples * callMs,
    loop_ms,
    warmup_ms,
    median_us: callMs * 1000,
  };
}

describe("the cost model", () => {
  const sizes = [1e6, 4e6, 16e6, 64e6, 256e6]; // seq_len doubling: flops ×4

  test("nothing is predicted before a case has finished", () => {
    expect(new CostModel(budget, 1, false).remaining([{ kernel: "k", flops: 1e6 }])).toBeUndefined();
  });

  test("after two small cases it predicts the big ones from their flops, where an average is far off", () => {
    const model = new CostModel(budget, 8, false);
    for (const flops of sizes.slice(0, 2)) model.observe({ kernel: "k", flops }, spent(flops, 8));
    const left = sizes.slice(2);
    const truth = left.reduce((sum, flops) => sum + spent(flops, 8).duration_ms, 0);
    const predicted = model.remaining(left.map((flops) => ({ kernel: "k", flops })))!;
    expect(Math.abs(predicted.cases_ms - truth) / truth).toBeLessThan(0.05);
    const average = (spent(sizes[0], 8).duration_ms + spent(sizes[1], 8).duration_ms) / 2 * left.length;
    expect(truth / average).toBeGreaterThan(2);
    expect(predicted.witness_ms).toBe(0);
  });

  test("each kernel keeps its own cost per flop; an unseen kernel borrows the others'", () => {
    const model = new CostModel(budget, 1, false);
    model.observe({ kernel: "fast", flops: 64e6 }, spent(64e6, 1));
    const slow = spent(64e6, 1);
    model.observe({ kernel: "slow", flops: 64e6 }, { ...slow, median_us: slow.median_us * 4 });
    const fast = model.remaining([{ kernel: "fast", flops: 256e6 }])!.cases_ms;
    expect(model.remaining([{ kernel: "slow", flops: 256e6 }])!.cases_ms).toBeGreaterThan(2 * fast);
    expect(model.remaining([{ kernel: "new", flops: 256e6 }])!.cases_ms).toBeGreaterThan(0);
  });

  test("a study's witness check: the evaluation samples of every case, re-run", () => {
    const model = new CostModel(budget, 8, true);
    model.observe({ kernel: "k", flops: 4e6 }, spent(4e6, 8));
    const { witness_ms } = model.remaining([{ kernel: "k", flops: 16e6 }])!;
    const calls = (spent(4e6, 8).median_us + spent(16e6, 8).median_us) / 1000;
    expect(witness_ms).toBeCloseTo(WITNESS_RERUN_FACTOR * 8 * calls, 6);
    // Spread over two threads, it takes half as long.
    const threaded = new CostModel(budget, 8, true, 2);
    threaded.observe({ kernel: "k", flops: 4e6 }, spent(4e6, 8));
    expect(threaded.remaining([{ kernel: "k", flops: 16e6 }])!.witness_ms).toBeCloseTo(witness_ms / 2, 6);
  });
});

describe("progress lines", () => {
  test("the ETA comes from the model and names the witness check; without a model, from the average", () => {
    const lines: string[] = [];
    const sink = { write: (text: string) => lines.push(text) };
    const modelled = new Progress(2, sink, () => ({ cases_ms: 4000, witness_ms: 6000 }));
    modelled.begin("k seq_len=64");
    modelled.end("ok");
    expect(lines[0]).toMatch(
      /^\[1\/2\] k seq_len=64 ok \(.*; elapsed .*, ETA 10\.0s incl\. ~6\.0s witness check\)\n$/,
    );
    const plain = new Progress(2, sink);
    plain.begin("k seq_len=64");
    plain.end("ok");
    expect(lines[1]).toMatch(/, ETA \d+ms\)\n$/);
  });
});

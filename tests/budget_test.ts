/**
 * The budget rules of the timed loop (src/measure/sampler.ts): min_samples against max_time_ms,
 * the cap kept within one call, warmup 0, the adaptive warm-up, the case deadline; and the
 * quality flags they lead to in results.csv. Timing assertions are relations with wide margins
 * (a busy CI machine stretches every call), never tight absolute figures.
 */
import { describe, expect, test } from "bun:test";
import path from "node:path";
import { measureCall } from "../src/measure/sampler.ts";
import { warmUp, WARMUP_CAP_MS } from "../src/measure/warmup.ts";
import { readManifest } from "../src/output/run_folder.ts";
import { caseQuality } from "../src/quality.ts";
import { runMain } from "./support/cli_process.ts";
import { readCsv } from "./support/csv.ts";
import { ROOT, tempDir, writeSpec } from "./support/temp.ts";

/** A call that spins for `ms` milliseconds, counting its calls. */
function spinner(ms: number) {
  const counter = {
    calls: 0,
    call() {
      counter.calls++;
      const end = performance.now() + ms;
      while (performance.now() < end) { /* spin */ }
    },
  };
  return counter;
}

const budget = { min_samples: 1, max_samples: 1000, min_time_ms: 10_000, max_time_ms: 100, warmup: 0 };

describe("the timed loop keeps its budget", () => {
  test(
    "a 200 ms call with max_time_ms 100 makes one sample: within one call of the cap, no warm-up call",
    async () => {
      const slow = spinner(200);
      const m = await measureCall(() => slow.call(), budget);
      expect(m.samples_ns).toHaveLength(1);
      expect(m.warmup_calls).toBe(0);
      expect(slow.calls).toBe(1);
      expect(m.duration_ms).toBeGreaterThanOrEqual(199);
      // One call of 200 ms past the start, so at most cap + one call (+ what a busy machine adds).
      expect(m.duration_ms).toBeLessThan(budget.max_time_ms + 200 + 150);
      expect(m.over_budget).toBe(false);
      expect(caseQuality(m, budget, undefined)).toEqual([]);
    },
    30_000,
  );

  test("min_samples is honoured past max_time_ms, and the case says so (over_budget)", async () => {
    const slow = spinner(60);
    const wants = { ...budget, min_samples: 4 };
    const m = await measureCall(() => slow.call(), wants);
    expect(m.samples_ns).toHaveLength(4);
    expect(m.duration_ms).toBeGreaterThan(wants.max_time_ms + 60);
    expect(m.over_budget).toBe(true);
    expect(caseQuality(m, wants, undefined)).toContain("over_budget");
    expect(caseQuality(m, wants, undefined)).not.toContain("few_samples");
  }, 30_000);

  test(
    "without min_samples forcing it, the loop stops before a sample would end past max_time_ms",
    async () => {
      const call = spinner(30);
      const m = await measureCall(() => call.call(), { ...budget, max_time_ms: 100 });
      // 30 ms samples under a 100 ms cap: 3, unless a loaded machine stretched one (then fewer).
      expect(m.samples_ns.length).toBeGreaterThanOrEqual(1);
      expect(m.samples_ns.length).toBeLessThanOrEqual(3);
      expect(m.over_budget).toBe(false);
    },
    30_000,
  );

  test("warmup: 0 makes no untimed call; warmup: 2 with min_time_ms 0 makes exactly two", async () => {
    const none = spinner(1);
    const m0 = await measureCall(() => none.call(), { ...budget, min_samples: 5, max_samples: 5 });
    expect(m0.warmup_calls).toBe(0);
    expect(none.calls).toBe(m0.total_calls);
    expect(m0.calls_per_sample).toBe(1);

    const two = spinner(1);
    const m2 = await measureCall(
      () => two.call(),
      { ...budget, min_samples: 5, max_samples: 5, min_time_ms: 0, warmup: 2 },
    );
    expect(m2.warmup_calls).toBe(2);
    expect(two.calls).toBe(m2.total_calls + 2);
  }, 30_000);

  test("warm-up goes on while the call is still getting faster (a simulated JIT), then stops once it settles", () => {
    // A clock the calls advance by a known series, so a loaded machine cannot blur it: each of the
    // first 32 calls 10 % faster than the one before (6 ms down to 0.2 ms), then 0.2 ms.
    let now = 0;
    let calls = 0;
    const call = () => void (now += Math.max(0.2, 6 * 0.9 ** calls++));
    const warm = warmUp(call, { warmup: 2, min_time_ms: 50 }, Number.POSITIVE_INFINITY, () => now);
    expect(warm.calls).toBeGreaterThan(32);
    expect(warm.ms).toBeLessThan(WARMUP_CAP_MS);
    expect(warm.per_call_ns).toBeCloseTo(0.2e6, -3);
    // A call interrupted now and then (every fifth takes 15 ms more) does not end it early.
    now = 0;
    calls = 0;
    const noisy = () => void (now += Math.max(0.2, 6 * 0.9 ** calls) + (calls++ % 5 === 4 ? 15 : 0));
    expect(warmUp(noisy, { warmup: 2, min_time_ms: 50 }, Number.POSITIVE_INFINITY, () => now).calls)
      .toBeGreaterThan(32);
  });

  test("warm-up on a real call: the first case is measured after the speed-up, not during it", async () => {
    let calls = 0;
    const call = () => {
      const end = performance.now() + Math.max(0.2, 6 * 0.9 ** calls++);
      while (performance.now() < end) { /* spin */ }
    };
    const m = await measureCall(call, {
      min_samples: 12,
      max_samples: 200,
      min_time_ms: 50,
      max_time_ms: 2000,
      warmup: 2,
    });
    expect(m.warmup_calls).toBeGreaterThan(2);
    expect(m.warmup_ms).toBeLessThan(WARMUP_CAP_MS + 2000);
  }, 30_000);

  test(
    "the case's deadline stops the loop below min_samples, never before the first sample: few_samples",
    async () => {
      const slow = spinner(50);
      const wants = { ...budget, min_samples: 50, max_time_ms: 10_000 };
      const m = await measureCall(() => slow.call(), wants, performance.now() + 300);
      expect(m.samples_ns.length).toBeGreaterThanOrEqual(1);
      expect(m.samples_ns.length).toBeLessThan(50);
      expect(caseQuality(m, wants, undefined)).toContain("few_samples");

      const late = spinner(50);
      const first = await measureCall(() => late.call(), wants, performance.now() - 1);
      expect(first.samples_ns).toHaveLength(1);
    },
    30_000,
  );
});

describe("budget outcomes reach results.csv, the manifest and the summary", () => {
  test(
    "a case capped by its timeout below min_samples is few_samples; one kept to min_samples past max_time_ms is over_budget",
    async () => {
      const dir = tempDir();
      const kernel = path.join(ROOT, "tests", "fixtures", "kernels", "busy.ts");
      const file = writeSpec(
        dir,
        `version: 1
name: budget
kernel: ${kernel}
params:
  seq_len: 4
  d: 4
  ms: [40, 41]
bench:
  min_samples: 100
  max_samples: 100
  min_time_ms: 1
  max_time_ms: 100
  warmup: 0
  timeout_ms: 3000
`,
      );
      const outputDir = path.join(dir, "out");
      const { code, stdout } = await runMain([file, "--out", outputDir]);
      expect(code).toBe(0);
      const manifest = readManifest(outputDir);
      const rows = readCsv(path.join(outputDir, "results.csv"));
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        // 40 ms calls: the deadline (80 % of 3000 ms) allows about 55 of the 100 samples asked for.
        expect(Number(row.samples)).toBeLessThan(100);
        expect(row.quality.split(";")).toContain("few_samples");
        expect(row.quality.split(";")).toContain("over_budget");
      }
      for (const c of manifest.cases) {
        expect(c.quality).toContain("few_samples");
        expect(c.warmup_calls).toBe(0);
        expect(c.p25_us!).toBeLessThanOrEqual(c.median_us!);
        expect(c.median_us!).toBeLessThanOrEqual(c.p75_us!);
      }
      // The summary: the spread beside each median, and one warning per flagged case saying why.
      expect(stdout).toMatch(/IQR_us/);
      const warnings = stdout.split("\n").filter((line) => line.startsWith("warning: "));
      expect(warnings).toHaveLength(2);
      for (const line of warnings) {
        expect(line).toMatch(/few_samples: \d+ of min_samples 100 \(the case's deadline/);
        expect(line).toMatch(
          /over_budget: min_samples 100 kept the timed loop going \d+ ms against max_time_ms 100/,
        );
      }
      expect(stdout).toMatch(/2 of 2 cases measured, 2 flagged \(quality column\)/);
    },
    60_000,
  );
});

/**
 * The runner's own overhead: a trivial kernel measured three ways, alternated round by round in
 * one process —
 *
 * - **bare**: mitata `measure()` called directly;
 * - **in-process**: the full pipeline (spec → plan → runner → latency plugin → CSV files) with
 *   `isolation: "in-process"`, the cases measured in this process;
 * - **supervised**: the same pipeline as the CLI runs it, each case in a supervised worker process.
 *
 * Prints, per size, the median time per call each way and the ratios to bare (1.000 = no effect
 * on what is measured), and the wall time per run. A second part runs 1 and 9 cases per run both
 * ways and splits the supervised path's extra wall time into a part per run (starting the worker)
 * and a part per case (messages, the commit of each case).
 *
 *   deno run -A bench/overhead.ts [rounds]
 *   bun bench/overhead.ts [rounds]
 *
 * @module
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { measure } from "mitata";
import { inputGenerators, nearestRank, parseSpec, planRun, runPlan, runtimeInfo } from "../mod.ts";
import { collectGarbage } from "../src/runtime.ts";
import trivial from "./trivial_kernel.ts";

const rounds = Number(process.argv[2] ?? 5);
const sizes = [256, 16384];
const budget = { min_samples: 12, max_samples: 100000, min_time_ms: 300, max_time_ms: 5000, warmup: 3 };
const here = path.dirname(new URL(import.meta.url).pathname);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "attnbench-overhead-"));
let runs = 0;

type Isolation = "process" | "in-process";

const specText = (sizes: number[], b: object = budget) =>
  `version: 1
name: overhead
kernel: ./trivial_kernel.ts
params: { size: [${sizes.join(", ")}] }
bench: ${JSON.stringify(b)}
plugins: [latency]
`;

/** One run of the pipeline; the median time per call of its first case, and the run's wall time. */
async function pipeline(
  sizes: number[],
  isolation: Isolation,
  b: object = budget,
): Promise<{ median_ns: number; wall_ms: number }> {
  const started = performance.now();
  const plan = await planRun(parseSpec(path.join(here, "overhead.yaml"), specText(sizes, b)));
  const { manifest } = await runPlan(plan, { outputDir: path.join(scratch, String(runs++)), isolation });
  const wall_ms = performance.now() - started;
  if (manifest.summary.ok !== sizes.length) {
    throw new Error(`pipeline case failed: ${manifest.cases[0].error}`);
  }
  return { median_ns: manifest.cases[0].median_us! * 1000, wall_ms };
}

async function bare(size: number): Promise<{ median_ns: number; wall_ms: number }> {
  const started = performance.now();
  const p = { size };
  const inputs = inputGenerators.normal.generate(trivial.shape(p), 42, { std: 1 });
  const instance = trivial.prepare(p, inputs);
  for (let i = 0; i < budget.warmup; i++) instance.run();
  const stats = await measure(() => instance.run(), {
    gc: collectGarbage() ?? false, // the runner collects before a case on every runtime, so bare does too
    min_samples: budget.min_samples,
    max_samples: budget.max_samples,
    min_cpu_time: budget.min_time_ms * 1e6,
    samples_threshold: Number.POSITIVE_INFINITY,
  });
  const wall_ms = performance.now() - started;
  return { median_ns: nearestRank(stats.samples as number[], 50), wall_ms };
}

const median = (xs: number[]) => nearestRank([...xs].sort((a, b) => a - b), 50);
const ns = (x: number) => `${x.toFixed(1)} ns`;
const ms = (x: number) => `${x.toFixed(0)} ms`;
const env = runtimeInfo();
console.log(
  `attnbench runner overhead — ${env.runtime} ${env.version}, ${env.cpu.model}, ${rounds} rounds (alternating)`,
);
console.log(`kernel: trivial-sum over N floats; budget ${JSON.stringify(budget)}\n`);
console.log(
  "N       bare/call  in-process/call  supervised/call  in-proc÷bare  superv÷bare  bare wall  in-proc wall  superv wall",
);
for (const size of sizes) {
  const figures = { bare: [] as number[], inproc: [] as number[], superv: [] as number[] };
  const walls = { bare: [] as number[], inproc: [] as number[], superv: [] as number[] };
  const ratios = { inproc: [] as number[], superv: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const b = await bare(size);
    const i = await pipeline([size], "in-process");
    const s = await pipeline([size], "process");
    figures.bare.push(b.median_ns), figures.inproc.push(i.median_ns), figures.superv.push(s.median_ns);
    walls.bare.push(b.wall_ms), walls.inproc.push(i.wall_ms), walls.superv.push(s.wall_ms);
    ratios.inproc.push(i.median_ns / b.median_ns), ratios.superv.push(s.median_ns / b.median_ns);
  }
  console.log(
    String(size).padEnd(8) + ns(median(figures.bare)).padEnd(11) + ns(median(figures.inproc)).padEnd(17) +
      ns(median(figures.superv)).padEnd(17) + median(ratios.inproc).toFixed(3).padEnd(14) +
      median(ratios.superv).toFixed(3).padEnd(13) + ms(median(walls.bare)).padEnd(11) +
      ms(median(walls.inproc)).padEnd(14) + ms(median(walls.superv)),
  );
}
console.log(
  "ratio: median over rounds of the per-round ratio to bare; 1.000 means no effect on the measured time.\n",
);

// Wall time of whole runs with 1 and 9 quick cases, both ways: supervised − in-process is the
// supervision's cost, which a straight line through the two splits into per run + per case.
const quick = { ...budget, min_time_ms: 20, max_time_ms: 200 };
const nine = Array.from({ length: 9 }, (_, i) => 256 + i);
const extra = { one: [] as number[], nine: [] as number[] };
for (let r = 0; r < rounds; r++) {
  const i1 = await pipeline([256], "in-process", quick);
  const s1 = await pipeline([256], "process", quick);
  const i9 = await pipeline(nine, "in-process", quick);
  const s9 = await pipeline(nine, "process", quick);
  extra.one.push(s1.wall_ms - i1.wall_ms);
  extra.nine.push(s9.wall_ms - i9.wall_ms);
}
const perCase = (median(extra.nine) - median(extra.one)) / 8;
console.log(
  `supervised − in-process wall time, median: 1 case ${ms(median(extra.one))}, 9 cases ${
    ms(median(extra.nine))
  }` +
    ` → about ${ms(median(extra.one) - perCase)} per run (worker start-up) + ${
      perCase.toFixed(1)
    } ms per case`,
);
fs.rmSync(scratch, { recursive: true, force: true });

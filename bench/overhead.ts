/**
 * The runner's own overhead: a trivial kernel measured through the full pipeline (spec → plan →
 * runner → latency plugin → CSV files) against the same kernel under bare mitata `measure()`,
 * alternated round by round in one process. Prints per-size medians and the ratios
 * pipeline/bare for the reported median time per call and for the wall time of a case.
 *
 *   deno run -A bench/overhead.ts [rounds]
 *   bun bench/overhead.ts [rounds]
 *
 * @module
 */
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
const out = path.join(os.tmpdir(), `attnbench-overhead-${process.pid}`);

const specText = (size: number) =>
  `version: 1
name: overhead
kernel: ./trivial_kernel.ts
params: { size: ${size} }
bench: ${JSON.stringify(budget)}
plugins: [latency]
`;

async function pipeline(size: number): Promise<{ median_ns: number; wall_ms: number }> {
  const started = performance.now();
  const plan = await planRun(parseSpec(path.join(here, "overhead.yaml"), specText(size)));
  const { outputDir, manifest } = await runPlan(plan, { outputDir: out });
  const wall_ms = performance.now() - started;
  const csv = await readText(path.join(outputDir, "results.csv"));
  const header = csv.split("\n")[0].split(",");
  const row = csv.split("\n")[1].split(",");
  if (manifest.summary.ok !== 1) throw new Error("pipeline case failed");
  return { median_ns: Number(row[header.indexOf("latency_p50_us")]) * 1000, wall_ms };
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

async function readText(file: string): Promise<string> {
  const fs = await import("node:fs/promises");
  return await fs.readFile(file, "utf8");
}

const median = (xs: number[]) => nearestRank([...xs].sort((a, b) => a - b), 50);
const env = runtimeInfo();
console.log(
  `attnbench runner overhead — ${env.runtime} ${env.version}, ${env.cpu.model}, ${rounds} rounds (alternating)`,
);
console.log(`kernel: trivial-sum over N floats; budget ${JSON.stringify(budget)}`);
console.log("");
console.log(
  "N       bare median/call  pipeline median/call  ratio (median)  bare wall/case  pipeline wall/case  ratio (wall)",
);
for (const size of sizes) {
  const ratios: number[] = [];
  const wallRatios: number[] = [];
  const bareMedians: number[] = [];
  const pipeMedians: number[] = [];
  const bareWalls: number[] = [];
  const pipeWalls: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const b = await bare(size);
    const p = await pipeline(size);
    ratios.push(p.median_ns / b.median_ns);
    wallRatios.push(p.wall_ms / b.wall_ms);
    bareMedians.push(b.median_ns);
    pipeMedians.push(p.median_ns);
    bareWalls.push(b.wall_ms);
    pipeWalls.push(p.wall_ms);
  }
  console.log(
    `${String(size).padEnd(8)}${(median(bareMedians).toFixed(1) + " ns").padEnd(18)}${
      (median(pipeMedians).toFixed(1) + " ns").padEnd(22)
    }` +
      `${median(ratios).toFixed(3).padEnd(16)}${(median(bareWalls).toFixed(0) + " ms").padEnd(16)}${
        (median(pipeWalls).toFixed(0) + " ms").padEnd(20)
      }${median(wallRatios).toFixed(3)}`,
  );
}
console.log("\nratio = pipeline / bare, median over rounds of the per-round ratio; 1.000 means no overhead.");

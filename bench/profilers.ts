/**
 * What the profilers cost the timing: the median latency of a kernel measured with all three
 * built-in profilers attached (latency, memory, power sampling in its worker) against the same
 * kernel with latency alone, alternated round by round in one process (the order flips every
 * round). Two kernels: softmax at about 100 µs and at about 10 ms per call. Prints per-kernel
 * medians, the median over rounds of the per-round ratio all-three/latency-only (1.000 = no
 * overhead) with the smallest and largest round's ratio, and the same median ratio for the wall
 * time of a whole case (setup and files included).
 *
 *   deno run -A bench/profilers.ts [rounds]
 *   bun bench/profilers.ts [rounds]
 *
 * @module
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { parse } from "csv-parse/sync";
import { nearestRank, parseSpec, planRun, runPlan, runtimeInfo } from "../mod.ts";

const rounds = Number(process.argv[2] ?? 5);
const kernels = [
  { label: "softmax seq_len=45 d=64 (≈100 µs)", params: "{ seq_len: 45, d: 64 }" },
  { label: "softmax seq_len=448 d=64 (≈10 ms)", params: "{ seq_len: 448, d: 64 }" },
];
const budget = { min_samples: 12, max_samples: 100000, min_time_ms: 300, max_time_ms: 3000, warmup: 3 };
const configs = {
  latency: "[latency]",
  all: "[latency, memory, { power: { source: rapl, fallback: mock } }]",
};
const here = path.dirname(new URL(import.meta.url).pathname);
const out = path.join(os.tmpdir(), `attnbench-profilers-${process.pid}`);

/** Median time per call (ns) and wall time of the case (ms) under one plugin list. */
async function measure(
  params: string,
  plugins: string,
): Promise<{ median_ns: number; wall_ms: number; power?: string }> {
  const text = `version: 1\nname: profilers\nkernel: softmax\nparams: ${params}\nbench: ${
    JSON.stringify(budget)
  }\nplugins: ${plugins}\n`;
  const started = performance.now();
  const { outputDir, manifest } = await runPlan(
    await planRun(parseSpec(path.join(here, "profilers.yaml"), text)),
    { outputDir: out, force: true },
  );
  const wall_ms = performance.now() - started;
  if (manifest.summary.ok !== 1) throw new Error(`the case failed: ${manifest.cases[0].error}`);
  const [row] = parse(fs.readFileSync(path.join(outputDir, "results.csv"), "utf8"), {
    columns: true,
  }) as Record<string, string>[];
  return {
    median_ns: Number(row.latency_p50_us) * 1000,
    wall_ms,
    power: manifest.plugins.find((p) => p.name === "power")?.reason,
  };
}

const median = (xs: number[]) => nearestRank([...xs].sort((a, b) => a - b), 50);
const env = runtimeInfo();
console.log(
  `attnbench profiler overhead — ${env.runtime} ${env.version}, ${env.cpu.model} (${env.cpu.cores} cores), ${rounds} rounds (alternating)`,
);
console.log(`latency only: plugins ${configs.latency}; all three: plugins ${configs.all}`);
console.log(`budget ${JSON.stringify(budget)}`);
console.log("");
console.log(
  "kernel                              latency-only median  all-three median  ratio (median)  ratio range    ratio (wall/case)",
);
let powerNote: string | undefined;
for (const kernel of kernels) {
  const ratios: number[] = [], wallRatios: number[] = [], alone: number[] = [], all: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ["latency", "all"] as const : ["all", "latency"] as const;
    const got: Record<string, { median_ns: number; wall_ms: number; power?: string }> = {};
    for (const config of order) got[config] = await measure(kernel.params, configs[config]);
    powerNote ??= got.all.power;
    ratios.push(got.all.median_ns / got.latency.median_ns);
    wallRatios.push(got.all.wall_ms / got.latency.wall_ms);
    alone.push(got.latency.median_ns);
    all.push(got.all.median_ns);
  }
  console.log(
    `${kernel.label.padEnd(36)}${formatNs(median(alone)).padEnd(21)}${formatNs(median(all)).padEnd(18)}` +
      `${median(ratios).toFixed(3).padEnd(16)}${
        `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`.padEnd(15)
      }` +
      median(wallRatios).toFixed(3),
  );
}
fs.rmSync(out, { recursive: true, force: true });
console.log(
  "\nratio = all three / latency only, median over rounds of the per-round ratio (range: smallest–largest round);" +
    " 1.000 means no overhead.",
);
if (powerNote) console.log(`power: ${powerNote}`);

function formatNs(ns: number): string {
  return ns < 1e6 ? `${(ns / 1e3).toFixed(1)} µs` : `${(ns / 1e6).toFixed(2)} ms`;
}

/**
 * The cost of recording results as a run grows: whole CLI runs (supervised, the default) of a
 * trivial kernel with a tiny budget at 10, 1 000 and 10 000 cases. For each size it prints the
 * wall time per case, and the median time between two finished cases (progress lines, timed as
 * they arrive) in the first and the last tenth of the run: if recording a case got dearer with
 * the number of cases before it (a manifest rewritten whole each time), the last tenth would be
 * slower than the first; `last÷first` near 1 means the cost per case is flat, so a run's total
 * grows linearly with its cases.
 *
 *   deno run -A bench/results_write.ts [sizes...]
 *   bun bench/results_write.ts [sizes...]
 *
 * @module
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { nearestRank, runtimeInfo } from "../mod.ts";

const here = path.dirname(new URL(import.meta.url).pathname);
const env = runtimeInfo();
const runtimeArgs = env.runtime === "deno" ? ["run", "-A"] : [];
const sizes = process.argv.slice(2).map(Number);
const budget = { min_samples: 1, max_samples: 1, min_time_ms: 0, max_time_ms: 1, warmup: 0 };
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "attnbench-results-write-"));

/** Runs `cases` cases; returns the wall time and the arrival time of each finished case's line. */
async function run(cases: number): Promise<{ wall_ms: number; finished: number[] }> {
  const spec = path.join(scratch, `spec-${cases}.yaml`);
  fs.writeFileSync(
    spec,
    `version: 1
name: results-write
kernel: ${path.join(here, "trivial_kernel.ts")}
params: { size: [${Array.from({ length: cases }, (_, i) => 16 + i).join(", ")}] }
bench: ${JSON.stringify(budget)}
plugins: [latency]
`,
  );
  const started = performance.now();
  const child = spawn(process.execPath, [
    ...runtimeArgs,
    path.join(here, "..", "cli.ts"),
    spec,
    "--out",
    path.join(scratch, `out-${cases}`),
  ], { stdio: ["ignore", "ignore", "pipe"] });
  const finished: number[] = [];
  let pending = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    const now = performance.now();
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) if (/^\[\d+\/\d+\] .* ok /.test(line)) finished.push(now);
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0 || finished.length !== cases) {
    throw new Error(`run of ${cases} cases exited ${code} with ${finished.length} cases finished`);
  }
  return { wall_ms: performance.now() - started, finished };
}

const median = (xs: number[]) => nearestRank([...xs].sort((a, b) => a - b), 50);

function gaps(times: number[], from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = Math.max(from, 1); i < to; i++) out.push(times[i] - times[i - 1]);
  return out;
}

console.log(`attnbench results writing — ${env.runtime} ${env.version}, ${env.cpu.model}`);
console.log(`trivial-sum kernel, budget ${JSON.stringify(budget)}, latency plugin, supervised worker\n`);
console.log("cases   wall      wall/case  first tenth: ms/case  last tenth: ms/case  last÷first");
for (const cases of sizes.length > 0 ? sizes : [10, 1000, 10000]) {
  const { wall_ms, finished } = await run(cases);
  const tenth = Math.max(2, Math.floor(cases / 10));
  const first = median(gaps(finished, 1, tenth + 1));
  const last = median(gaps(finished, cases - tenth, cases));
  console.log(
    String(cases).padEnd(8) + `${(wall_ms / 1000).toFixed(1)} s`.padEnd(10) +
      `${(wall_ms / cases).toFixed(2)} ms`.padEnd(11) + `${first.toFixed(2)}`.padEnd(22) +
      `${last.toFixed(2)}`.padEnd(21) + (last / first).toFixed(2),
  );
}
fs.rmSync(scratch, { recursive: true, force: true });

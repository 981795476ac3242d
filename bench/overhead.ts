/**
 * The runner's own overhead: a trivial kernel (sum of N floats) measured three ways, each in a
 * fresh process (so all three start with the same cold JIT), alternated round by round:
 *
 * - **bare**: mitata `measure()` called directly (this script, re-run as `--bare N`);
 * - **in-process**: `cli.ts --in-process`, the full pipeline (spec → plan → runner → latency
 *   plugin → CSV files) measuring in the CLI's own process, as attnbench did before supervision;
 * - **supervised**: `cli.ts`, each case in a supervised worker process (the default).
 *
 * Prints, per size, the median time per call each way and the median per-round ratios (1.000 =
 * no effect on what is measured), and the wall time of each process. A second part times CLI runs
 * of 1 and 9 cases with and without `--in-process` and splits supervision's extra wall time into a
 * part per run (starting the worker) and a part per case (messages, the commit of each case).
 *
 *   deno run -A bench/overhead.ts [rounds]
 *   bun bench/overhead.ts [rounds]
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { measure } from "mitata";
import { inputGenerators, nearestRank, runtimeInfo } from "../mod.ts";
import { collectGarbage } from "../src/runtime.ts";
import trivial from "./trivial_kernel.ts";

const budget = { min_samples: 12, max_samples: 100000, min_time_ms: 300, max_time_ms: 5000, warmup: 3 };
const here = path.dirname(new URL(import.meta.url).pathname);
const env = runtimeInfo();
const runtimeArgs = env.runtime === "deno" ? ["run", "-A"] : [];

/** `--bare N`: one bare mitata measurement in this (fresh) process, printed as JSON. */
async function bare(size: number): Promise<void> {
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
  const median_ns = nearestRank(stats.samples as number[], 50);
  console.log(JSON.stringify({ median_ns, wall_ms: performance.now() - started }));
}

if (process.argv[2] === "--bare") {
  await bare(Number(process.argv[3]));
  process.exit(0);
}

const rounds = Number(process.argv[2] ?? 5);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "attnbench-overhead-"));
let runs = 0;

const specText = (sizes: number[], b: object) =>
  `version: 1
name: overhead
kernel: ${path.join(here, "trivial_kernel.ts")}
params: { size: [${sizes.join(", ")}] }
bench: ${JSON.stringify(b)}
plugins: [latency]
`;

/** A whole process: its wall time and, for the CLI, the first case's median time per call. */
function spawnTimed(args: string[]): { wall_ms: number; stdout: string } {
  const started = performance.now();
  const result = spawnSync(process.execPath, [...runtimeArgs, ...args], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  return { wall_ms: performance.now() - started, stdout: result.stdout };
}

function cli(sizes: number[], b: object, inProcess: boolean): { median_ns: number; wall_ms: number } {
  const spec = path.join(scratch, `spec-${runs}.yaml`);
  const out = path.join(scratch, `out-${runs++}`);
  fs.writeFileSync(spec, specText(sizes, b));
  const { wall_ms } = spawnTimed([
    path.join(here, "..", "cli.ts"),
    spec,
    "--out",
    out,
    "-q",
    ...(inProcess ? ["--in-process"] : []),
  ]);
  const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
  return { median_ns: manifest.cases[0].median_us * 1000, wall_ms };
}

function bareProcess(size: number): { median_ns: number; wall_ms: number } {
  const { stdout, wall_ms } = spawnTimed([path.join(here, "overhead.ts"), "--bare", String(size)]);
  return { median_ns: JSON.parse(stdout).median_ns, wall_ms };
}

const median = (xs: number[]) => nearestRank([...xs].sort((a, b) => a - b), 50);
const ns = (x: number) => `${x.toFixed(1)} ns`;
const ms = (x: number) => `${x.toFixed(0)} ms`;
console.log(
  `attnbench runner overhead — ${env.runtime} ${env.version}, ${env.cpu.model}, ${rounds} rounds (alternating, fresh processes)`,
);
console.log(`kernel: trivial-sum over N floats; budget ${JSON.stringify(budget)}\n`);
console.log(
  "N      bare/call   in-proc/call  superv/call  in-proc÷bare  superv÷bare  superv÷in-proc  process wall: bare / in-proc / superv",
);
for (const size of [256, 16384]) {
  const medians = { bare: [] as number[], inproc: [] as number[], superv: [] as number[] };
  const walls = { bare: [] as number[], inproc: [] as number[], superv: [] as number[] };
  const ratios = { inproc: [] as number[], superv: [] as number[], supervInproc: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const b = bareProcess(size);
    const i = cli([size], budget, true);
    const s = cli([size], budget, false);
    medians.bare.push(b.median_ns), medians.inproc.push(i.median_ns), medians.superv.push(s.median_ns);
    walls.bare.push(b.wall_ms), walls.inproc.push(i.wall_ms), walls.superv.push(s.wall_ms);
    ratios.inproc.push(i.median_ns / b.median_ns);
    ratios.superv.push(s.median_ns / b.median_ns);
    ratios.supervInproc.push(s.median_ns / i.median_ns);
  }
  console.log(
    String(size).padEnd(7) + ns(median(medians.bare)).padEnd(12) + ns(median(medians.inproc)).padEnd(14) +
      ns(median(medians.superv)).padEnd(13) + median(ratios.inproc).toFixed(3).padEnd(14) +
      median(ratios.superv).toFixed(3).padEnd(13) + median(ratios.supervInproc).toFixed(3).padEnd(16) +
      `${ms(median(walls.bare))} / ${ms(median(walls.inproc))} / ${ms(median(walls.superv))}`,
  );
}
console.log(
  "ratios: median over rounds of the per-round ratio; 1.000 means no effect on the measured time.\n",
);

// 1 and 9 cases of a fixed 20 samples each (every case does the same work whatever the warm-up
// estimate), with and without --in-process: the slope splits supervision's cost per run / per case.
const fixed = { min_samples: 20, max_samples: 20, min_time_ms: 0, max_time_ms: 1000, warmup: 3 };
const nine = Array.from({ length: 9 }, (_, i) => 256 + i);
const perRun: number[] = [];
const perCase: number[] = [];
for (let r = 0; r < rounds; r++) {
  const one = cli([256], fixed, false).wall_ms - cli([256], fixed, true).wall_ms;
  const many = cli(nine, fixed, false).wall_ms - cli(nine, fixed, true).wall_ms;
  perCase.push((many - one) / 8);
  perRun.push(one - (many - one) / 8);
}
console.log(
  `CLI wall time, supervised − --in-process (budget ${JSON.stringify(fixed)}), median over rounds:` +
    ` ${ms(median(perRun))} per run (starting the worker, planning in it) + ${
      median(perCase).toFixed(1)
    } ms per case (range ${Math.min(...perCase).toFixed(1)} to ${Math.max(...perCase).toFixed(1)})`,
);
fs.rmSync(scratch, { recursive: true, force: true });

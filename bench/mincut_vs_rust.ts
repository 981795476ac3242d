/**
 * attnbench's `mincut` (reference variant, λ = 0.5, eps = 0.01, τ = 2) beside the original Rust
 * crate `ruvector-attn-mincut` (`attn_mincut` with its `MinCutConfig`), on the claim-audit LCG
 * inputs (reference ruvector.md §1.8: d = 64, seed = 0xC0FFEE00 ^ seq_len), at n ∈ {64 … 1024},
 * for attnbench's js and wasm backends.
 *
 * The Rust side is the harness in `bench/peers/ruvector_mincut` (see its README), built here with
 * `cargo build --release` against the crate checkout that `RUVECTOR_MINCUT_SRC` names; without
 * cargo or that variable the script says why and stops.
 *
 * Both sides time calls the same way ({@link BUDGET}, handed to the harness as its flags): untimed
 * calls for ≥ 200 ms (and ≥ 2 calls), then samples of a batch of calls sized to ≈ 1 ms each, until
 * there are ≥ 7 samples and ≥ 400 ms have passed; a round's figure is the median ns per call
 * (nearest rank). {@link ROUNDS} rounds, each running one Rust process (every n) and each attnbench
 * backend (every n) in turn, starting at a different side each round; the table gives the median
 * of the round medians and, in parentheses, their spread (max/min − 1). attnbench's instances are prepared once per
 * n and reuse their buffers; `attn_mincut` allocates its own on every call, as it is written.
 *
 * It checks that `edges_kept`, `edges_total` and `cut_cost` of the first call agree with Rust's at
 * every n (✗ where not), and compares the SHA-256 of Q, K and V with the Rust harness's. It prints
 * the host load (os.loadavg) before and after, and how many cores were busy while it measured.
 *
 *   RUVECTOR_MINCUT_SRC=/path/to/RuVector/crates/ruvector-attn-mincut \
 *     npx deno run -A bench/mincut_vs_rust.ts [--n 64,128,256,512,1024] [--rounds 5]
 *   RUVECTOR_MINCUT_SRC=… npx bun bench/mincut_vs_rust.ts [same flags]
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as v from "valibot";
import { type AttentionInputs, builtinKernels, inputGenerators, type KernelInstance } from "../mod.ts";
import { nearestRank, runtimeInfo } from "../plugin_kit.ts";
import { runBench } from "./bench_main.ts";

const D = 64;
const PARAMS = { lambda: 0.5, eps: 0.01, tau: 2, variant: "reference" } as const;
const BACKENDS = ["js", "wasm"] as const;
const DEFAULT_N = [64, 128, 256, 512, 1024];
const ROUNDS = 5;
/** Per n, per implementation, per round; passed to the Rust harness as its flags. */
const BUDGET = { warmup_ms: 200, budget_ms: 400, min_samples: 7, sample_ms: 1 };
const WARMUP_MIN_CALLS = 2;
/** The figure the comparison is for: attnbench js at n = 64 within 1.5× of Rust. */
const TARGET = { n: 64, backend: "js", ratio: 1.5 } as const;
const HARNESS_DIR = fileURLToPath(new URL("./peers/ruvector_mincut/", import.meta.url));
const HARNESS_BIN = `${HARNESS_DIR}target/release/ruvector-mincut-timing`;

type Backend = typeof BACKENDS[number];
type Side = "rust" | Backend;

/** What each side computed on its first call at one n. */
interface Gate {
  edges_kept: number;
  edges_total: number;
  cut_cost: number;
}

/** One JSON line of the Rust harness. */
interface RustLine extends Gate {
  seq_len: number;
  lambda: number;
  tau: number;
  eps: number;
  median_ns: number;
  samples: number;
  q_hash: string;
  k_hash: string;
  v_hash: string;
}

/** attnbench's prepared kernel at one n and backend, with its first call's gate. */
interface Prepared {
  instance: KernelInstance;
  gate: Gate;
}

/** One n: the inputs' hashes, attnbench's instances, Rust's first-call line, each side's round medians. */
interface Row {
  n: number;
  hashes: Record<"q" | "k" | "v", string>;
  prepared: Record<Backend, Prepared>;
  rust?: RustLine;
  medians: Record<Side, number[]>;
}

function parseOptions(argv: string[]): { ns: number[]; rounds: number } {
  const { values } = parseArgs({
    args: argv,
    options: { n: { type: "string", multiple: true }, rounds: { type: "string", default: String(ROUNDS) } },
  });
  const ns = values.n?.flatMap((s) => s.split(",")).map(Number) ?? DEFAULT_N;
  if (ns.some((n) => !Number.isInteger(n) || n < 2)) {
    throw new RangeError(`--n takes integers ≥ 2, got ${values.n}`);
  }
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new RangeError(`--rounds takes an integer ≥ 1, got ${values.rounds}`);
  }
  return { ns, rounds };
}

/**
 * Builds the harness (cargo's output is shown only when the build fails: the crate's own lint table
 * names a clippy-only lint, `unused_unit`, which rustc warns about on every build); returns why it
 * cannot run, or undefined when it is built.
 */
function buildHarness(): string | undefined {
  const source = process.env.RUVECTOR_MINCUT_SRC;
  if (!source) {
    return "RUVECTOR_MINCUT_SRC is not set (the ruvector-attn-mincut crate checkout, see bench/peers/ruvector_mincut/README.md)";
  }
  const patch = `patch.crates-io.ruvector-attn-mincut.path=${JSON.stringify(path.resolve(source))}`;
  const built = spawnSync("cargo", ["build", "--release", "--config", patch], {
    cwd: HARNESS_DIR,
    encoding: "utf8",
  });
  if (built.error) return `cargo is not available: ${built.error.message}`;
  if (built.status === 0) return undefined;
  return `cargo build --release failed (exit ${built.status}):\n${built.stderr}`;
}

/** The harness's flag for a {@link BUDGET} key: `min_samples` → `--min-samples`. */
const flagName = (key: string): string => `--${key.replaceAll("_", "-")}`;

/** One round of the Rust harness: a fresh process timing every n. */
function runRust(ns: number[]): RustLine[] {
  const flags = Object.entries(BUDGET).flatMap(([key, value]) => [flagName(key), String(value)]);
  const run = spawnSync(HARNESS_BIN, [...flags, ...ns.map(String)], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`${HARNESS_BIN} failed (exit ${run.status}): ${run.stderr}`);
  const lines = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as RustLine);
  if (lines.map((line) => line.seq_len).join() !== ns.join()) {
    throw new Error(`${HARNESS_BIN} printed ${run.stdout}`);
  }
  return lines;
}

/** Median ns per call of `call`, timed as the Rust harness times `attn_mincut`. */
function timeCalls(call: () => void): number {
  const started = performance.now();
  let calls = 0;
  while (calls < WARMUP_MIN_CALLS || performance.now() - started < BUDGET.warmup_ms) {
    call();
    calls++;
  }
  const batch = Math.max(1, Math.ceil(BUDGET.sample_ms / ((performance.now() - started) / calls)));
  const samples: number[] = [];
  const timing = performance.now();
  while (samples.length < BUDGET.min_samples || performance.now() - timing < BUDGET.budget_ms) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) call();
    samples.push(((performance.now() - t0) * 1e6) / batch);
  }
  return median(samples);
}

const median = (values: number[]): number => nearestRank([...values].sort((a, b) => a - b), 50);

const sha256 = (x: Float32Array): string =>
  createHash("sha256").update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength)).digest("hex");

function prepare(n: number, inputs: AttentionInputs, backend: Backend): Prepared {
  const kernel = builtinKernels.mincut;
  const instance = kernel.prepare(v.parse(kernel.params, { seq_len: n, d: D, ...PARAMS, backend }), inputs);
  instance.run();
  const { edges_kept, edges_total, cut_cost } = instance.stats!();
  return { instance, gate: { edges_kept, edges_total, cut_cost } };
}

function openRow(n: number): Row {
  const inputs = inputGenerators.lcg.generate({ seq_len: n, q_width: D, kv_width: D }, 0, {
    audit_seed: true,
  });
  return {
    n,
    hashes: { q: sha256(inputs.q), k: sha256(inputs.k), v: sha256(inputs.v) },
    prepared: { js: prepare(n, inputs, "js"), wasm: prepare(n, inputs, "wasm") },
    medians: { rust: [], js: [], wasm: [] },
  };
}

/** One round: each side in turn, starting at a different side each round. */
function round(rows: Row[], index: number): void {
  const sides: Side[] = ["rust", ...BACKENDS];
  for (const side of [...sides.slice(index % 3), ...sides.slice(0, index % 3)]) {
    if (side === "rust") {
      for (const [i, line] of runRust(rows.map((row) => row.n)).entries()) {
        rows[i].rust ??= line;
        rows[i].medians.rust.push(line.median_ns);
      }
    } else {
      for (const row of rows) row.medians[side].push(timeCalls(() => row.prepared[side].instance.run()));
    }
  }
}

const sameGate = (a: Gate, b: Gate): boolean =>
  a.edges_kept === b.edges_kept && a.edges_total === b.edges_total &&
  Math.fround(a.cut_cost) === Math.fround(b.cut_cost);

/** "✓", or "✗" with both sides' kept/total/cut where a backend disagrees with Rust. */
function gateCheck(row: Row): string {
  const rust = row.rust!;
  const wrong = BACKENDS.filter((b) => !sameGate(row.prepared[b].gate, rust));
  const text = (g: Gate) => `${g.edges_kept}/${g.edges_total}/${g.cut_cost}`;
  if (wrong.length === 0) return `✓ ${text(rust)}`;
  return `✗ rust ${text(rust)}, ${wrong.map((b) => `${b} ${text(row.prepared[b].gate)}`).join(", ")}`;
}

/** "µs (spread %)" of one side's round medians: their median, and max/min − 1. */
function timeText(medians: number[]): string {
  const spread = Math.max(...medians) / Math.min(...medians) - 1;
  return `${(median(medians) / 1e3).toFixed(1)} (${(spread * 100).toFixed(0)}%)`;
}

const ratio = (row: Row, backend: Backend): number => median(row.medians[backend]) / median(row.medians.rust);

function table(rows: Row[]): string {
  const header = ["n", "rust µs", "js µs", "js/rust", "wasm µs", "wasm/rust", "edges_kept/total/cut_cost"];
  const body = rows.map((row) => [
    String(row.n),
    timeText(row.medians.rust),
    timeText(row.medians.js),
    `${ratio(row, "js").toFixed(2)}×`,
    timeText(row.medians.wasm),
    `${ratio(row, "wasm").toFixed(2)}×`,
    gateCheck(row),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i].length)));
  return [header, ...body]
    .map((cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padStart(widths[i]))).join("  "))
    .join("\n");
}

/** Which of Q, K, V differ from the Rust harness's, by SHA-256, at any n. */
function inputCheck(rows: Row[]): string {
  const differ = (["q", "k", "v"] as const).filter((t) =>
    rows.some((row) => row.hashes[t] !== row.rust![`${t}_hash`])
  );
  if (differ.length === 0) return "inputs: Q, K, V bit-identical to the Rust harness's at every n (SHA-256)";
  const why = "Rust's p = sin(…) is the platform sinf, here fround(Math.sin); they round differently " +
    "in ~1 % of cases (reference §0.1); the gates are compared above";
  return `inputs: ${differ.join(", ")} differ from the Rust harness's (SHA-256): ${why}`;
}

function configCheck(rows: Row[]): string | undefined {
  const bad = rows.find((row) =>
    Math.fround(row.rust!.lambda) !== Math.fround(PARAMS.lambda) ||
    Math.fround(row.rust!.eps) !== Math.fround(PARAMS.eps) || row.rust!.tau !== PARAMS.tau
  );
  return bad && `✗ the Rust harness ran λ ${bad.rust!.lambda}, eps ${bad.rust!.eps}, τ ${bad.rust!.tau}`;
}

const loadText = (): string => os.loadavg().map((x) => x.toFixed(2)).join(" ");

/** Busy and total CPU time so far, summed over every core (os.cpus()). */
function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    const all = times.user + times.nice + times.sys + times.irq + times.idle;
    busy += all - times.idle;
    total += all;
  }
  return { busy, total };
}

/** Cores kept busy between `before` and now, by anything on the host (this bench keeps about one). */
function busyCores(before: { busy: number; total: number }): number {
  const now = cpuTimes();
  return ((now.busy - before.busy) / (now.total - before.total)) * os.cpus().length;
}

function main(): void {
  const { ns, rounds } = parseOptions(process.argv.slice(2));
  const env = runtimeInfo();
  const skip = buildHarness();
  if (skip !== undefined) {
    console.log(`skipped: ${skip}`);
    return;
  }
  console.log(`host load at start (1/5/15-min): ${loadText()}`);
  const cpuAtStart = cpuTimes();
  const rows = ns.map(openRow);
  for (let r = 0; r < rounds; r++) round(rows, r);
  const busy = busyCores(cpuAtStart);

  console.log(
    `attnbench mincut (reference, λ ${PARAMS.lambda}, eps ${PARAMS.eps}, τ ${PARAMS.tau}) vs ruvector-attn-mincut attn_mincut (cargo --release) — ${env.runtime} ${env.version}, ${env.cpu.model} (${env.cpu.cores} cores), ${
      new Date().toISOString().slice(0, 16)
    }`,
  );
  console.log(
    `LCG inputs (§1.8), d = ${D}, seed 0xC0FFEE00 ^ n; per round and side: ≥ ${BUDGET.warmup_ms} ms warm-up, then ≥ ${BUDGET.min_samples} samples of ≈ ${BUDGET.sample_ms} ms and ≥ ${BUDGET.budget_ms} ms; median of ${rounds} round medians (their spread, max/min − 1)`,
  );
  console.log(table(rows));
  const target = rows.find((row) => row.n === TARGET.n);
  if (target) {
    const value = ratio(target, TARGET.backend);
    console.log(
      `target: n = ${TARGET.n}, ${TARGET.backend}/rust ≤ ${TARGET.ratio}×: ${value.toFixed(2)}× ${
        value <= TARGET.ratio ? "MET" : "NOT MET"
      }`,
    );
  }
  console.log(inputCheck(rows));
  const config = configCheck(rows);
  if (config) console.log(config);
  console.log(`host load at end (1/5/15-min): ${loadText()}`);
  console.log(
    `CPU busy while measuring: ${
      busy.toFixed(2)
    } of ${os.cpus().length} cores (this bench keeps about 1 busy; more means other work shared the host)`,
  );
}

await runBench("bench/mincut_vs_rust.ts", main);

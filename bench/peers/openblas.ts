/**
 * The roofline: `bench/c/attention_openblas.c` (two `cblas_sgemm` calls and a row softmax in C),
 * compiled with this machine's gcc (`-O3 -march=native -lopenblas`) into a temporary directory and
 * run as a subprocess with `OPENBLAS_NUM_THREADS=1`. The subprocess times itself with the budget it
 * is given and reports nanoseconds per call; the bench hands it the same Q, K, V through a file
 * and reads its output back for the correctness check.
 *
 * @example
 * ```ts
 * import { openblas } from "./openblas.ts";
 * if ((await openblas.detect()) === true) {
 *   const { samples_ns } = await openblas.measure(inputs, { warmup_calls: 3, min_samples: 5, max_samples: 200, min_time_ms: 300 });
 * }
 * ```
 * @module
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import type { AttentionInputs } from "../../mod.ts";
import { type External, firstLine, type SelfTimed, type SelfTimedBudget } from "./implementation.ts";

const SOURCE = new URL("../c/attention_openblas.c", import.meta.url).pathname;
const CFLAGS = ["-O3", "-march=native"];
const LIBS = ["-lopenblas", "-lm"];
const INSTALL_HINT = "libopenblas is not installed (apt-get install -y libopenblas-dev)";

interface Build {
  dir: string;
  binary: string;
}

let build: Build | string | undefined;

/** The stderr of a failed child process, or its message. */
function childError(error: unknown): string {
  const stderr = (error as { stderr?: Uint8Array | string }).stderr;
  const text = stderr === undefined ? "" : String(stderr).trim();
  return text === "" ? firstLine(error) : text;
}

/** Compiles the C source once per process; the reason as a string where that is impossible. */
function compile(): Build | string {
  if (build !== undefined) return build;
  try {
    execFileSync("gcc", ["--version"], { stdio: "ignore" });
  } catch {
    build = "no gcc on PATH to compile bench/c/attention_openblas.c";
    return build;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "attnbench-openblas-"));
  const binary = path.join(dir, "attention_openblas");
  try {
    execFileSync("gcc", [...CFLAGS, SOURCE, "-o", binary, ...LIBS], { stdio: ["ignore", "ignore", "pipe"] });
    build = { dir, binary };
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    const message = childError(error);
    build = /cblas\.h|-lopenblas/.test(message) ? INSTALL_HINT : `gcc failed: ${message.split("\n")[0]}`;
  }
  return build;
}

/**
 * C attention through OpenBLAS sgemm, one thread, timed in its own process.
 *
 * @example
 * ```ts
 * if ((await openblas.detect()) === true) {
 *   const { samples_ns } = await openblas.measure(inputs, budget);
 * }
 * ```
 */
export const openblas: External = {
  label: "openblas-c",
  group: "roofline",
  kind: "external",
  detect(): Promise<true | string> {
    const built = compile();
    return Promise.resolve(typeof built === "string" ? built : true);
  },
  measure(inputs: AttentionInputs, budget: SelfTimedBudget): Promise<SelfTimed> {
    const built = compile();
    if (typeof built === "string") return Promise.reject(new Error(built));
    const { seq_len: n, q_width: d } = inputs;
    const input = path.join(built.dir, `qkv_${n}x${d}.f32`);
    const output = path.join(built.dir, `o_${n}x${d}.f32`);
    const qkv = new Float32Array(3 * n * d);
    qkv.set(inputs.q, 0);
    qkv.set(inputs.k, n * d);
    qkv.set(inputs.v, 2 * n * d);
    fs.writeFileSync(input, new Uint8Array(qkv.buffer));
    const args = [n, d, budget.warmup_calls, budget.min_samples, budget.max_samples, budget.min_time_ms]
      .map(String);
    const stdout = execFileSync(built.binary, [...args, input, output], {
      env: { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const samples_ns = stdout.trim().split("\n").map(Number);
    const bytes = fs.readFileSync(output);
    const result = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    return Promise.resolve({ samples_ns, output: result });
  },
  close(): Promise<void> {
    if (typeof build === "object") fs.rmSync(build.dir, { recursive: true, force: true });
    build = undefined;
    return Promise.resolve();
  },
};

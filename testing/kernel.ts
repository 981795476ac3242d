/**
 * `checkKernel`: a kernel's parameters, shape, analytic figures, output and allocation.
 *
 * @example
 * ```ts
 * import { checkKernel } from "./kernel.ts";
 * (await checkKernel(myKernel, { seq_len: 64, d: 16 })).problems; // []
 * ```
 * @module
 */
import * as v from "valibot";
import type { AttentionInputs, KernelDefinition, KernelInstance } from "../src/contracts.ts";
import { describe as describeThrown } from "../src/errors.ts";
import { normalGenerator } from "../src/inputs/normal.ts";
import { type AllocationOptions, allocationPerCall } from "../plugins/memory/allocation.ts";
import "../builtins.ts";
import { KERNEL_KEYS, strayKeysProblem } from "../src/definition_keys.ts";
import { type ConformanceReport, guarded, show } from "./report.ts";

/**
 * Options of {@link checkKernel}.
 *
 * @example
 * ```ts
 * const options: KernelCheckOptions = { seed: 7, maxAllocatedBytesPerCall: 0, allocation: { calls: 8 } };
 * ```
 */
export interface KernelCheckOptions {
  /** Seed of the standard-normal inputs; default 42. */
  seed?: number;
  /** Largest heap bytes one `run()` may allocate; default 64. */
  maxAllocatedBytesPerCall?: number;
  /** How the allocation is measured (see {@link allocationPerCall}); default 16 calls × 5 rounds after 20 warm-up calls. */
  allocation?: AllocationOptions;
}

/**
 * Checks a kernel at one parameter point against the contract: its shape; parameters accepted by
 * its schema; a shape of positive integers; `flops()` and `memory()` (where declared) finite and
 * non-negative; then `available()` (an unavailable point is reported `available: false` with its
 * reason, and nothing more is checked); `prepare()` giving an instance whose `output` has
 * `seq_len × q_width` values; `run()` that does not throw (awaited when it returns a promise, which
 * the instance must declare with `asynchronous: true`), writes finite values into the same
 * `output`, leaves Q, K and V as they were and, when synchronous, allocates at most
 * `maxAllocatedBytesPerCall` bytes per call; `deviceTimeNs()` (where declared) undefined or a
 * finite number ≥ 0; `stats()` (where declared) a record of finite numbers.
 *
 * @example
 * ```ts
 * const report = await checkKernel(myKernel, { seq_len: 64, d: 16 });
 * report.problems; // [] when it conforms
 * ```
 */
export async function checkKernel<P>(
  kernel: KernelDefinition<P>,
  params: Record<string, unknown> = {},
  check: KernelCheckOptions = {},
): Promise<ConformanceReport> {
  const report: ConformanceReport = {
    subject: `kernel ${String(kernel?.name)}`,
    available: true,
    calls: [],
    problems: [],
  };
  const problems = report.problems;
  if (
    !kernel || typeof kernel !== "object" || typeof kernel.name !== "string" ||
    typeof kernel.version !== "string"
  ) {
    problems.push(
      `the kernel is ${
        show(kernel)
      }; expected an object with string name and version, made with defineKernel()`,
    );
    return report;
  }
  if (
    typeof kernel.prepare !== "function" || typeof kernel.shape !== "function" ||
    typeof kernel.params?.entries !== "object"
  ) {
    problems.push(
      "the kernel lacks prepare(), shape() or a valibot object schema as params; expected all three",
    );
    return report;
  }
  const strayInKernel = strayKeysProblem(kernel, KERNEL_KEYS, "key");
  if (strayInKernel) {
    problems.push(`the kernel has ${strayInKernel}`);
    return report;
  }
  const parsed = v.safeParse(kernel.params, params);
  if (!parsed.success) {
    problems.push(
      `params ${JSON.stringify(params)} were rejected (${
        parsed.issues.map((i) => i.message).join("; ")
      }); expected them to validate`,
    );
    return report;
  }
  const p = parsed.output;
  const shape = kernel.shape(p);
  const dims = [shape?.seq_len, shape?.q_width, shape?.kv_width];
  if (!dims.every((n) => Number.isInteger(n) && (n as number) > 0)) {
    problems.push(`shape() returned ${show(shape)}; expected positive integers seq_len, q_width, kv_width`);
    return report;
  }
  checkAnalytic(kernel, p, problems);
  const inputs = normalGenerator.generate(shape, check.seed ?? 42, { std: 1 });
  const pristine = { q: inputs.q.slice(), k: inputs.k.slice(), v: inputs.v.slice() };
  if (kernel.available) {
    const availability = await guarded(report, "available()", () => kernel.available!(p));
    if (availability === undefined) return report;
    if (typeof availability === "string") {
      report.available = false;
      report.reason = availability;
      return report;
    }
  }
  let instance: KernelInstance;
  try {
    instance = kernel.prepare(p, inputs);
  } catch (thrown) {
    problems.push(`prepare() threw (${describeThrown(thrown)}); expected an instance for valid params`);
    return report;
  }
  if (!instance || typeof instance.run !== "function" || !(instance.output instanceof Float32Array)) {
    problems.push(`prepare() returned ${show(instance)}; expected { run(), output: Float32Array }`);
    return report;
  }
  const expectedLength = shape.seq_len * shape.q_width;
  if (instance.output.length !== expectedLength) {
    problems.push(
      `output has ${instance.output.length} values; expected seq_len × q_width = ${expectedLength}`,
    );
  }
  try {
    if (!await runOnce(instance, inputs, pristine, problems)) return report;
    if (instance.asynchronous) {
      // An awaited call allocates its promise by design: the heap check would only measure that.
      report.reason =
        "asynchronous kernel: allocation per call not checked (each call allocates its promise)";
      return report;
    }
    await checkAllocation(instance, check, problems);
    return report;
  } finally {
    await guarded(report, "dispose()", () => instance.dispose?.());
  }
}

/** Heap bytes per `run()`, against the check's limit. */
async function checkAllocation(
  instance: KernelInstance,
  check: KernelCheckOptions,
  problems: string[],
): Promise<void> {
  const limit = check.maxAllocatedBytesPerCall ?? 64;
  const run = instance.run.bind(instance);
  const allocation = await allocationPerCall(run, { calls: 16, rounds: 5, warmup: 20, ...check.allocation });
  if (allocation.bytes_per_call > limit) {
    problems.push(
      `run() allocates ${allocation.bytes_per_call} bytes per call (${allocation.method}); expected at most ${limit}: allocate in prepare()`,
    );
  }
}

function checkAnalytic<P>(kernel: KernelDefinition<P>, p: P, problems: string[]): void {
  if (kernel.flops) {
    const flops = kernel.flops(p);
    if (!Number.isFinite(flops) || flops < 0) {
      problems.push(`flops() returned ${show(flops)}; expected a finite number ≥ 0`);
    }
  }
  if (kernel.memory) {
    const memory = kernel.memory(p) as unknown as Record<string, unknown>;
    for (const key of ["kv_cache_bytes", "activation_bytes", "temp_buffer_bytes"]) {
      const bytes = memory?.[key];
      if (typeof bytes !== "number" || !Number.isInteger(bytes) || bytes < 0) {
        problems.push(`memory().${key} is ${show(bytes)}; expected a whole number of bytes ≥ 0`);
      }
    }
  }
}

/**
 * One `run()`, checked (awaited when it returns a promise, which the instance must declare with
 * `asynchronous: true`); false when the kernel cannot be run further.
 */
async function runOnce(
  instance: KernelInstance,
  inputs: AttentionInputs,
  pristine: { q: Float32Array; k: Float32Array; v: Float32Array },
  problems: string[],
): Promise<boolean> {
  const output = instance.output;
  try {
    const pending = instance.run();
    const isPromise = typeof (pending as Promise<void> | undefined)?.then === "function";
    if (isPromise !== (instance.asynchronous === true)) {
      problems.push(
        isPromise
          ? "run() returned a promise but the instance lacks asynchronous: true; the runner would not await it"
          : "the instance says asynchronous: true but run() returned no promise; expected one to await",
      );
    }
    if (isPromise) await pending;
  } catch (thrown) {
    problems.push(`run() threw (${describeThrown(thrown)}); expected it to compute the output`);
    return false;
  }
  const deviceNs = instance.deviceTimeNs?.();
  if (deviceNs !== undefined && !(Number.isFinite(deviceNs) && deviceNs >= 0)) {
    problems.push(`deviceTimeNs() returned ${show(deviceNs)}; expected undefined or a finite number ≥ 0`);
  }
  if (instance.output !== output) {
    problems.push("run() replaced output; expected it to write into the Float32Array prepare() gave");
  }
  const bad = instance.output.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) {
    problems.push(`output[${bad}] is ${instance.output[bad]} after run(); expected finite values`);
  }
  for (const name of ["q", "k", "v"] as const) {
    if (!sameValues(inputs[name], pristine[name])) {
      problems.push(
        `run() changed the input ${name.toUpperCase()}; expected inputs left as they were (they are shared between cases)`,
      );
    }
  }
  if (instance.stats) {
    const stats = instance.stats();
    const badStat = Object.entries(stats ?? {}).find(([, x]) => !Number.isFinite(x));
    if (!stats || typeof stats !== "object" || badStat) {
      problems.push(`stats() returned ${show(stats)}; expected a record of finite numbers`);
    }
  }
  return true;
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

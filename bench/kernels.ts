/**
 * GFLOP/s of attnbench's attention kernels beside a naive TypeScript floor, the npm peers in
 * `bench/peers` and a C/OpenBLAS roofline, for single-head, one-thread attention over
 * n ∈ {64 … 2048} and d ∈ {64, 128}, measured side by side in one run on the same seeded inputs.
 * Every output is checked against attnbench's `softmax` kernel before it is timed (and again after);
 * a wrong result is flagged ✗ and not timed. At n = 512, d = 64 it prints the target ratios, MET
 * or NOT MET, including `mincut` (reference variant) against `softmax` on the same backend (js,
 * wasm), timed in the same rounds.
 *
 * WebGPU columns: attnbench's kernels on `backend: "webgpu"` and, as their peer, onnxruntime-web's
 * WebGPU execution provider (`ort-webgpu`), each call awaited until its output is back in host
 * memory; beside their wall time the bench prints the device's own time per call where the kernel
 * reports it (`deviceTimeNs()`, timestamp queries). Every WebGPU figure is printed with the adapter
 * it comes from, and a software adapter (lavapipe/llvmpipe, SwiftShader) is said to be one: its
 * figures are not GPU figures. Without an adapter these columns print why and the bench goes on.
 *
 *   npx deno run -A bench/kernels.ts [--n 512 --d 64] [--quick] [--markdown] [--max-call-ms 2000]
 *   npx bun bench/kernels.ts        [same flags]
 *
 * Peers come from `cd bench/peers && ONNXRUNTIME_NODE_INSTALL=skip npm install`; the roofline needs
 * gcc and `apt-get install -y libopenblas-dev`. Whatever cannot run here is skipped with its reason.
 *
 * Warm-up path (fixed, the same for every in-process column): before anything is timed, each
 * implementation is primed with {@link PRIME_CALLS} untimed calls at n = 64, d = 64; shapes then run
 * in ascending n for each d, and each cell gets untimed calls (at least {@link WARMUP_MIN_CALLS}
 * and {@link WARMUP_MIN_MS}, a single one once a call takes over {@link SLOW_CALL_MS}; on a WebGPU
 * column, whose first call at a shape may compile, the first call is not judged). Timing is
 * then {@link ROUNDS} rounds per shape, each timing every implementation in turn with mitata's
 * `measure()` (which makes one untimed call of its own first; calls over {@link SLOW_CALL_MS} are
 * timed one to a sample with `performance.now()` instead), so noise from the host falls on all
 * columns alike; GFLOP/s = 4·n²·d / the median of the pooled samples. The C roofline gets the same
 * budget per round in its own process and warms up there.
 *
 * @module
 */
import os from "node:os";
import process from "node:process";
import { parseArgs } from "node:util";
import { measure } from "mitata";
import * as v from "valibot";
import { type AttentionInputs, builtinKernels, inputGenerators, nearestRank, runtimeInfo } from "../mod.ts";
import { attnbenchColumns } from "./attnbench_columns.ts";
import { runBench } from "./bench_main.ts";
import {
  adapterLines,
  type Cell,
  cellKey,
  cellText,
  describe,
  errorText,
  grid,
  type Shape,
  table,
  wallAndDeviceText,
} from "./kernel_tables.ts";
import { naive } from "./naive_attention.ts";
import {
  firstLine,
  type Group,
  type Implementation,
  type InProcess,
  type Instance,
} from "./peers/implementation.ts";
import { onnxruntimeNode } from "./peers/onnxruntime_node.ts";
import { onnxruntimeWeb } from "./peers/onnxruntime_web.ts";
import { onnxruntimeWebGpu } from "./peers/onnxruntime_webgpu.ts";
import { openblas } from "./peers/openblas.ts";
import { ruvector } from "./peers/ruvector.ts";
import { tfjsWasm } from "./peers/tfjs_wasm.ts";

const SEED = 42;
const ALL_N = [64, 128, 256, 512, 1024, 2048];
const ALL_D = [64, 128];
const QUICK_N = [128, 512];
const QUICK_D = [64];
/** The shape the target ratios are read at. */
const TARGET_SHAPE = { n: 512, d: 64 };
/** Untimed calls of every in-process implementation at n = d = 64 before any cell. */
const PRIME_CALLS = 10;
const WARMUP_MIN_CALLS = 2;
const WARMUP_MIN_MS = 100;
/** Calls slower than this get one warm-up call and {@link SLOW_MIN_SAMPLES} samples. */
const SLOW_CALL_MS = 250;
/** Samples per cell at least, over all rounds (split evenly between them). */
const MIN_SAMPLES = 9;
const SLOW_MIN_SAMPLES = 3;
/** Rounds per shape: each round times every implementation in turn. */
const ROUNDS = 3;
/** Warm-up calls the C roofline makes per round; one above {@link SLOW_EXTERNAL_FLOPS}. */
const EXTERNAL_WARMUP_CALLS = 10;
const SLOW_EXTERNAL_FLOPS = 1e9;
const MAX_SAMPLES = 2000;
/** Calls faster than mitata's batch threshold (65 µs) are timed this many to a sample. */
const BATCH_SAMPLES = 64;
/**
 * mincut (reference) / softmax on the same backend at the target shape: the gate, the masked
 * softmax and the hysteresis may cost at most as much again as the dense attention they gate.
 */
const MINCUT_RATIO_TARGET = 2;
/** Largest max |output − softmax| accepted: float32 peers sit near 1e-6 on unit-normal inputs. */
const TOLERANCE = 1e-4;
/** The groups whose columns run on a WebGPU device. */
const GPU_GROUPS: Group[] = ["attnbench-webgpu", "peer-webgpu"];

/** What one run measures and how long it spends on a cell. */
interface Options {
  ns: number[];
  ds: number[];
  min_time_ms: number;
  /** A cell whose predicted time per call exceeds this is skipped (marked "slow"). */
  max_call_ms: number;
  markdown: boolean;
}

/** Median ns per call of `mincut` (reference variant) and of `softmax`, on one backend, at the target shape. */
interface MincutTiming {
  backend: "js" | "wasm";
  mincut_ns: number;
  softmax_ns: number;
}

const flops = ({ n, d }: Shape): number => 4 * n * n * d;

/** `--n 512 --n 1024` or `--n 512,1024`. */
function sizes(values: string[] | undefined, fallback: number[], flag: string): number[] {
  if (values === undefined) return fallback;
  const parsed = values.flatMap((value) => value.split(",")).map(Number);
  const bad = parsed.find((x) => !Number.isInteger(x) || x < 1);
  if (bad !== undefined) {
    throw new RangeError(`--${flag} takes positive integers, received ${values.join(",")}`);
  }
  return parsed;
}

function parseOptions(argv: string[]): Options | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: "string", multiple: true },
      d: { type: "string", multiple: true },
      quick: { type: "boolean", default: false },
      markdown: { type: "boolean", default: false },
      "max-call-ms": { type: "string", default: "2000" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  const maxCall = Number(values["max-call-ms"]);
  if (!(maxCall > 0)) {
    throw new RangeError(`--max-call-ms takes a positive number, received ${values["max-call-ms"]}`);
  }
  return {
    ns: sizes(values.n, values.quick ? QUICK_N : ALL_N, "n").sort((a, b) => a - b),
    ds: sizes(values.d, values.quick ? QUICK_D : ALL_D, "d").sort((a, b) => a - b),
    min_time_ms: values.quick ? 150 : 400,
    max_call_ms: maxCall,
    markdown: values.markdown,
  };
}

function generate({ n, d }: Shape): AttentionInputs {
  return inputGenerators.normal.generate({ seq_len: n, q_width: d, kv_width: d }, SEED, { std: 1 });
}

function maxAbsError(output: Float32Array, reference: Float32Array): number {
  if (output.length !== reference.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < output.length; i++) {
    const error = Math.abs(output[i] - reference[i]);
    if (!(error <= worst)) worst = Number.isNaN(error) ? Number.POSITIVE_INFINITY : error;
  }
  return worst;
}

/**
 * Untimed calls: at least the minimum count and time, one only for slow calls (two on a WebGPU
 * column, `compiles`, whose first call at a shape may compile its pipeline and so says nothing of
 * the next). Returns ms per call.
 */
async function warmUp(instance: Instance, compiles: boolean): Promise<number> {
  const started = performance.now();
  let calls = 0;
  let fastest = Number.POSITIVE_INFINITY;
  while (calls < WARMUP_MIN_CALLS || performance.now() - started < WARMUP_MIN_MS) {
    const t0 = performance.now();
    await instance.run();
    const ms = performance.now() - t0;
    calls++;
    if (compiles && calls === 1) continue;
    fastest = Math.min(fastest, ms);
    if (fastest > SLOW_CALL_MS) break;
  }
  return fastest;
}

/**
 * The call a round times: `instance.run()`, awaited where it returns a promise, and for an instance
 * that reports its device time, that time of each call pushed onto `device` (mitata's untimed first
 * call of a round included).
 */
function timedCall(instance: Instance, device: number[]): () => void | Promise<void> {
  if (instance.deviceTimeNs === undefined) return () => instance.run();
  return async () => {
    await instance.run();
    const ns = instance.deviceTimeNs?.();
    if (ns !== undefined) device.push(ns);
  };
}

/**
 * Samples (ns per call) of one round of `instance.run()`: under mitata's `measure()`, or for a slow
 * call (over {@link SLOW_CALL_MS}) one plain `performance.now()` sample a round, since mitata's
 * untimed first call would double the cost of a round there and its batching does not apply.
 */
async function timeRound(
  instance: Instance,
  slow: boolean,
  options: Options,
  device: number[],
): Promise<number[]> {
  const call = timedCall(instance, device);
  if (slow) {
    const samples: number[] = [];
    for (let i = 0; i < Math.ceil(SLOW_MIN_SAMPLES / ROUNDS); i++) {
      const t0 = performance.now();
      await call();
      samples.push((performance.now() - t0) * 1e6);
    }
    return samples;
  }
  const stats = await measure(call, {
    gc: false,
    min_samples: Math.ceil(MIN_SAMPLES / ROUNDS),
    max_samples: MAX_SAMPLES,
    min_cpu_time: (options.min_time_ms / ROUNDS) * 1e6,
    batch_samples: BATCH_SAMPLES,
    batch_unroll: 1,
    samples_threshold: Number.POSITIVE_INFINITY,
  });
  return stats.samples;
}

/** One implementation being measured at one shape, across the rounds. */
interface Slot {
  impl: Implementation;
  /** Whether its output must match the reference (not for mincut, which prunes by design). */
  checked: boolean;
  instance?: Instance;
  slow: boolean;
  error: number;
  samples: number[];
  /** The device's own time of each timed call (ns), where the instance reports it. */
  device_samples: number[];
  /** Set once the slot is settled without (further) timing: unavailable, slow, wrong or failed. */
  settled?: Cell;
}

/** Prepares, warms up and checks an in-process implementation; external ones are checked per round. */
async function openSlot(slot: Slot, inputs: AttentionInputs, reference: Float32Array): Promise<void> {
  if (slot.impl.kind === "external") {
    slot.slow = flops({ n: inputs.seq_len, d: inputs.q_width }) >= SLOW_EXTERNAL_FLOPS;
    return;
  }
  slot.instance = await slot.impl.prepare(inputs);
  slot.slow = (await warmUp(slot.instance, GPU_GROUPS.includes(slot.impl.group))) > SLOW_CALL_MS;
  check(slot, slot.instance.output(), reference);
}

/** Records the output's error; a checked slot over the tolerance is settled as wrong. */
function check(slot: Slot, output: Float32Array, reference: Float32Array): void {
  slot.error = Math.max(slot.error, maxAbsError(output, reference));
  if (slot.checked && !(slot.error <= TOLERANCE)) {
    slot.settled = { status: "wrong", error: slot.error, tolerance: TOLERANCE };
  }
}

async function round(
  slot: Slot,
  inputs: AttentionInputs,
  reference: Float32Array,
  options: Options,
): Promise<void> {
  if (slot.impl.kind === "in-process") {
    slot.samples.push(...await timeRound(slot.instance!, slot.slow, options, slot.device_samples));
    return;
  }
  const { samples_ns, output } = await slot.impl.measure(inputs, {
    warmup_calls: slot.slow ? 1 : EXTERNAL_WARMUP_CALLS,
    min_samples: Math.ceil((slot.slow ? SLOW_MIN_SAMPLES : MIN_SAMPLES) / ROUNDS),
    max_samples: MAX_SAMPLES,
    min_time_ms: options.min_time_ms / ROUNDS,
  });
  check(slot, output, reference);
  slot.samples.push(...samples_ns);
}

/** Runs `step` on every unsettled slot; a throw settles that slot as failed. */
async function eachSlot(slots: Slot[], step: (slot: Slot) => Promise<void>): Promise<void> {
  for (const slot of slots.filter((s) => s.settled === undefined)) {
    try {
      await step(slot);
    } catch (error) {
      slot.settled = { status: "failed", reason: firstLine(error) };
    }
  }
}

/**
 * Measures every slot at one shape: prepare, warm up and check each, then {@link ROUNDS} rounds
 * that time each slot in turn, so a burst of noise from the host falls on all of them alike; a
 * final check of each output after the timed calls.
 */
async function measureShape(slots: Slot[], shape: Shape, options: Options): Promise<void> {
  const inputs = generate(shape);
  const reference = builtinKernels.softmax.prepare({ seq_len: shape.n, d: shape.d, causal: false }, inputs);
  reference.run();
  await eachSlot(slots, (slot) => openSlot(slot, inputs, reference.output));
  for (let r = 0; r < ROUNDS; r++) {
    await eachSlot(slots, (slot) => round(slot, inputs, reference.output, options));
  }
  await eachSlot(slots, (slot) => {
    if (slot.instance !== undefined) check(slot, slot.instance.output(), reference.output);
    return Promise.resolve();
  });
  await Promise.all(slots.map((slot) => slot.instance?.dispose?.()));
}

const median = (samples: number[]): number => nearestRank([...samples].sort((a, b) => a - b), 50);

function okCell(shape: Shape, slot: Slot): Cell {
  const median_ns = median(slot.samples);
  const cell: Cell = {
    status: "ok",
    median_ns,
    gflops: flops(shape) / median_ns,
    error: slot.error,
    samples: slot.samples.length,
  };
  return slot.device_samples.length === 0 ? cell : { ...cell, device_median_ns: median(slot.device_samples) };
}

/** Untimed calls at n = d = 64, so no JIT first meets a column on a large problem. */
async function prime(impl: Implementation): Promise<void> {
  if (impl.kind === "external") return;
  const instance = await impl.prepare(generate({ n: 64, d: 64 }));
  for (let i = 0; i < PRIME_CALLS; i++) await instance.run();
  await instance.dispose?.();
}

/**
 * attnbench's `mincut` kernel, reference variant, on each backend, timed beside the columns at the
 * target shape (not a column of the table: it prunes by design, so its output is not checked).
 */
const mincutColumns: InProcess[] = (["js", "wasm"] as const).map((backend) => ({
  label: `mincut/${backend}`,
  group: backend === "wasm" ? "attnbench-wasm" : "attnbench-js",
  kind: "in-process",
  detect: () => Promise.resolve(true),
  prepare(inputs: AttentionInputs): Promise<Instance> {
    const kernel = builtinKernels.mincut;
    const params = v.parse(kernel.params, {
      seq_len: inputs.seq_len,
      d: inputs.q_width,
      variant: "reference",
      backend,
    });
    const instance = kernel.prepare(params, inputs);
    return Promise.resolve({ run: () => instance.run(), output: () => instance.output });
  },
}));
const isMincut = (impl: Implementation): boolean => (mincutColumns as Implementation[]).includes(impl);

/** Runs every available column at every shape; returns the cells and the mincut/softmax timings. */
async function runAll(
  columns: Implementation[],
  available: Set<string>,
  options: Options,
): Promise<{ cells: Map<string, Cell>; mincut: MincutTiming[] }> {
  const cells = new Map<string, Cell>();
  /** Each column's GFLOP/s at its last measured shape, to predict the next call's time. */
  const lastGflops = new Map<string, number>();
  const mincut: MincutTiming[] = [];
  const shapes = options.ds.flatMap((d) => options.ns.map((n) => ({ n, d })));
  for (const [index, shape] of shapes.entries()) {
    const target = shape.n === TARGET_SHAPE.n && shape.d === TARGET_SHAPE.d;
    const slots: Slot[] = [...columns, ...(target ? mincutColumns : [])].map((impl) => {
      const predicted_ms = flops(shape) / (lastGflops.get(impl.label) ?? Number.POSITIVE_INFINITY) / 1e6;
      const settled: Cell | undefined = !isMincut(impl) && !available.has(impl.label)
        ? { status: "unavailable" }
        : predicted_ms > options.max_call_ms
        ? { status: "slow", predicted_ms }
        : undefined;
      return {
        impl,
        checked: !isMincut(impl),
        slow: false,
        error: 0,
        samples: [],
        device_samples: [],
        settled,
      };
    });
    await measureShape(slots, shape, options);
    for (const slot of slots) {
      const cell = slot.settled ?? okCell(shape, slot);
      if (isMincut(slot.impl)) continue;
      cells.set(cellKey(shape, slot.impl.label), cell);
      if (cell.status === "ok") lastGflops.set(slot.impl.label, cell.gflops);
      const software = cell.status === "ok" && slot.impl.device?.()?.software === true
        ? " [software adapter, not a GPU figure]"
        : "";
      progress(
        `[${index + 1}/${shapes.length}] n=${shape.n} d=${shape.d} ${slot.impl.label}: ${
          describe(cell)
        }${software}`,
      );
    }
    for (const backend of ["js", "wasm"] as const) {
      const mincutSlot = slots.find((slot) => slot.impl.label === `mincut/${backend}`);
      const softmaxCell = cells.get(cellKey(shape, `softmax/${backend}`));
      if (mincutSlot === undefined || mincutSlot.settled !== undefined) continue;
      if (softmaxCell?.status !== "ok") continue;
      const timing = { backend, mincut_ns: median(mincutSlot.samples), softmax_ns: softmaxCell.median_ns };
      mincut.push(timing);
      progress(`mincut/${backend} (reference) ${(timing.mincut_ns / 1e6).toFixed(2)} ms per call`);
    }
  }
  return { cells, mincut };
}

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

interface Ratio {
  name: string;
  value: string;
  target: string;
  status: "MET" | "NOT MET" | "N/A" | "no target";
}

interface Best {
  label: string;
  gflops: number;
}

/** The best measured column of the groups at the target shape. */
function best(columns: Implementation[], cells: Map<string, Cell>, groups: Group[]): Best | undefined {
  let found: Best | undefined;
  for (const column of columns.filter((c) => groups.includes(c.group))) {
    const cell = cells.get(cellKey(TARGET_SHAPE, column.label));
    if (cell?.status === "ok" && (found === undefined || cell.gflops > found.gflops)) {
      found = { label: column.label, gflops: cell.gflops };
    }
  }
  return found;
}

/** `ours / other` in GFLOP/s at the target shape, or undefined when either is missing. */
function speedRatio(cells: Map<string, Cell>, ours: Best | undefined, other: string): number | undefined {
  const cell = cells.get(cellKey(TARGET_SHAPE, other));
  return ours === undefined || cell?.status !== "ok" ? undefined : ours.gflops / cell.gflops;
}

function judged(
  name: string,
  ratio: number | undefined,
  value: (r: number) => string,
  target: string,
  met: (r: number) => boolean,
): Ratio {
  if (ratio === undefined) return { name, value: "—", target, status: "N/A" };
  return { name, value: value(ratio), target, status: met(ratio) ? "MET" : "NOT MET" };
}

const times = (r: number): string => `${r.toFixed(2)}×`;

/**
 * The best attnbench WebGPU column against each WebGPU peer and against the best CPU backend
 * (`ours`): context only, with no target, and said to be from a software adapter where it is one.
 */
function gpuRatios(columns: Implementation[], cells: Map<string, Cell>, ours: Best | undefined): Ratio[] {
  const gpu = best(columns, cells, ["attnbench-webgpu"]);
  const software = columns.some((c) => GPU_GROUPS.includes(c.group) && c.device?.()?.software === true);
  const target = software ? "software adapter, none" : "none";
  const others = [
    ...columns.filter((c) => c.group === "peer-webgpu").map((c) => c.label),
    ...(ours === undefined ? [] : [ours.label]),
  ];
  return others.map((other) => {
    const ratio = speedRatio(cells, gpu, other);
    return {
      name: `best attnbench webgpu (${gpu?.label ?? "—"}) / ${other}`,
      value: ratio === undefined ? "—" : times(ratio),
      target,
      status: ratio === undefined ? "N/A" : "no target",
    };
  });
}

function ratios(
  columns: Implementation[],
  cells: Map<string, Cell>,
  mincut: MincutTiming[],
): Ratio[] {
  const ours = best(columns, cells, ["attnbench-js", "attnbench-wasm"]);
  const oursJs = best(columns, cells, ["attnbench-js"]);
  const list: Ratio[] = [
    judged(
      `best attnbench (${ours?.label ?? "—"}) / openblas-c`,
      speedRatio(cells, ours, openblas.label),
      (r) => `${(r * 100).toFixed(1)} %`,
      "≥ 25 %",
      (r) => r >= 0.25,
    ),
    judged(
      `attnbench JS (${oursJs?.label ?? "—"}) / naive-ts`,
      speedRatio(cells, oursJs, naive.label),
      times,
      "≥ 3×",
      (r) => r >= 3,
    ),
  ];
  for (const peer of columns.filter((c) => c.group === "peer-wasm" || c.group === "peer-native")) {
    const name = `best attnbench (${ours?.label ?? "—"}) / ${peer.label}`;
    const ratio = speedRatio(cells, ours, peer.label);
    if (peer.group === "peer-wasm") list.push(judged(name, ratio, times, "> 1× (ahead)", (r) => r > 1));
    else {
      list.push({
        name,
        value: ratio === undefined ? "—" : times(ratio),
        target: "native peer, none",
        status: ratio === undefined ? "N/A" : "no target",
      });
    }
  }
  for (const backend of ["js", "wasm"] as const) {
    const timing = mincut.find((t) => t.backend === backend);
    list.push(judged(
      `mincut/${backend} (reference) time / softmax/${backend} time`,
      timing === undefined ? undefined : timing.mincut_ns / timing.softmax_ns,
      times,
      `≤ ${MINCUT_RATIO_TARGET}×`,
      (r) => r <= MINCUT_RATIO_TARGET,
    ));
  }
  const mincutWasm = mincut.find((t) => t.backend === "wasm");
  const softmaxJs = mincut.find((t) => t.backend === "js");
  if (mincutWasm !== undefined && softmaxJs !== undefined) {
    list.push({
      name: "mincut/wasm (reference) time / softmax/js time",
      value: times(mincutWasm.mincut_ns / softmaxJs.softmax_ns),
      target: "context, none",
      status: "no target",
    });
  }
  return [...list, ...gpuRatios(columns, cells, ours)];
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options === "help") {
    console.log(
      "usage: bench/kernels.ts [--n 512[,1024]] [--d 64] [--quick] [--markdown] [--max-call-ms 2000]",
    );
    return;
  }
  const env = runtimeInfo();
  const loadAtStart = os.loadavg()[0];
  const columns: Implementation[] = [
    naive,
    ...attnbenchColumns(["js", "wasm"]),
    ruvector,
    onnxruntimeNode,
    onnxruntimeWeb,
    tfjsWasm,
    openblas,
    ...attnbenchColumns(["webgpu"]),
    onnxruntimeWebGpu,
  ];
  const available = new Set<string>();
  const skipped: string[] = [];
  for (const column of columns) {
    const found = await column.detect().catch((error) => firstLine(error));
    if (found === true) available.add(column.label);
    else skipped.push(`${column.label}: ${found}`);
  }
  for (const line of skipped) progress(`skipped ${line}`);
  for (const line of adapterLines(columns.filter((c) => available.has(c.label)))) progress(line);
  for (const column of columns.filter((c) => available.has(c.label))) {
    try {
      await prime(column);
    } catch (error) {
      available.delete(column.label);
      skipped.push(`${column.label}: failed at n = d = 64: ${firstLine(error)}`);
    }
  }
  const { cells, mincut } = await runAll(columns, available, options);
  await Promise.all(columns.map((c) => c.close?.()));

  const out = (line = "") => console.log(line);
  /** Lines under a table, apart from it (a markdown table would take them as rows). */
  const note = (lines: string[]): void => {
    if (lines.length > 0) out(`\n${lines.join("\n")}`);
  };
  out(
    `attnbench kernels vs peers — ${env.runtime} ${env.version}, ${env.cpu.model} (${env.cpu.cores} cores), ${env.os.platform} ${env.os.arch}, ${
      new Date().toISOString().slice(0, 10)
    }`,
  );
  out(
    `single head, one thread (webgpu columns: the adapter's), inputs: normal(seed ${SEED}); GFLOP/s = 4·n²·d / median of ≥ ${MIN_SAMPLES} samples (${SLOW_MIN_SAMPLES} when a call > ${SLOW_CALL_MS} ms), ≥ ${options.min_time_ms} ms timed per cell in ${ROUNDS} interleaved rounds`,
  );
  out(
    `warm-up: ${PRIME_CALLS} calls at n = d = 64 per column, then per cell ≥ ${WARMUP_MIN_CALLS} calls and ≥ ${WARMUP_MIN_MS} ms (1 call when a call > ${SLOW_CALL_MS} ms; webgpu: 2, the first may compile), + mitata's first call per round (calls > ${SLOW_CALL_MS} ms: timed one by one, no mitata)`,
  );
  out(
    `check: max |output − attnbench softmax| ≤ ${TOLERANCE}, else ✗ and not timed; slow = predicted > ${options.max_call_ms} ms per call, skipped; — = unavailable; err = threw`,
  );
  out(`host load (1-min average): ${loadAtStart.toFixed(2)} at start, ${os.loadavg()[0].toFixed(2)} at end`);
  for (const line of skipped) out(`skipped ${line}`);
  const adapters = adapterLines(columns.filter((c) => available.has(c.label)));
  for (const line of adapters) out(line);
  out();
  out("GFLOP/s (higher is better)");
  out(grid(columns, cells, options, cellText));
  note(adapters);
  out();
  out("max abs error vs attnbench softmax");
  out(grid(columns, cells, options, errorText));
  const gpuColumns = columns.filter((c) => GPU_GROUPS.includes(c.group) && available.has(c.label));
  if (gpuColumns.length > 0) {
    out();
    out(
      "webgpu: median ms per call, wall (call to settled promise, output read back) / device (timestamp queries; — where the column has none)",
    );
    out(grid(gpuColumns, cells, options, wallAndDeviceText));
    note(adapters);
  }
  for (const [where, cell] of cells) if (cell.status === "failed") out(`err ${where}: ${cell.reason}`);
  if (options.ns.includes(TARGET_SHAPE.n) && options.ds.includes(TARGET_SHAPE.d)) {
    out();
    out(`targets at n = ${TARGET_SHAPE.n}, d = ${TARGET_SHAPE.d}`);
    const list = ratios(columns, cells, mincut);
    out(
      table(
        ["ratio", "value", "target", "status"],
        list.map((r) => [r.name, r.value, r.target, r.status]),
        options.markdown,
      ),
    );
  }
}

await runBench("bench/kernels.ts", main);

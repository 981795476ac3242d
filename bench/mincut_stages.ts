/**
 * Where a `mincut` call's time goes, and what it costs against `softmax` on the same backend.
 *
 * 1. Stages of the reference variant at one shape (default n = 512, d = 64), each timed on its
 *    own, on both backends where the stage has two (the JS stages read the inputs as the kernel's
 *    JS path does: widened to f64 on V8): logits (JS f32 and wasm SIMD, bit-identical),
 *    the gate (eps pruning and the two-hop bound, or graph and Dinic when the bound cannot decide;
 *    JS on both backends, the wasm one writing its mask into wasm memory), the hysteresis and kept
 *    count, the masked softmax (JS `Math.exp` and wasm, bit-identical) and weights × V (JS f32 and
 *    wasm SIMD, bit-identical).
 * 2. Whole calls over n = 64 … 1024 (d fixed): `mincut` (reference) and `softmax` on each backend,
 *    interleaved call by call, with the ratio mincut / softmax per backend.
 *
 * Inputs: `normal` (seed 42, std 1), the generator of the default study. Prints medians of
 * `rounds` rounds and the host's load at start and end.
 *
 *   npx deno run -A bench/mincut_stages.ts [n] [d] [rounds]
 *   npx bun bench/mincut_stages.ts [n] [d] [rounds]
 *
 * @module
 */
import os from "node:os";
import * as v from "valibot";
import { builtinKernels, inputGenerators, nearestRank, runtimeInfo } from "../mod.ts";
import { countKept, MinCutGate } from "../kernels/mincut/gate.ts";
import { HysteresisTracker } from "../kernels/mincut/hysteresis.ts";
import { computeLogits } from "../kernels/mincut/logits.ts";
import { maskedSoftmaxRows, weightsTimesV } from "../kernels/mincut/masked_attention.ts";
import { WasmMincut } from "../kernels/mincut/wasm_mincut.ts";
import { WideInputs, WIDEN_INPUTS } from "../kernels/mincut/wide_inputs.ts";
import { attentionScale } from "../kernels/params.ts";
import { positiveIntegers } from "./bench_main.ts";

const [n, d, rounds] = positiveIntegers("bench/mincut_stages.ts", ["n", "d", "rounds"], [512, 64, 40]);
const RANGE = [64, 128, 256, 512, 1024];
const BACKENDS = ["js", "wasm"] as const;

const median = (list: number[]): number => nearestRank([...list].sort((a, b) => a - b), 50);
const inputsAt = (seqLen: number) =>
  inputGenerators.normal.generate({ seq_len: seqLen, q_width: d, kv_width: d }, 42, { std: 1 });

/** Runs `rounds` rounds of `steps` in turn; returns each step's median in ms. */
function timeRounds(steps: [string, () => void][], count: number): Map<string, number> {
  const times = new Map<string, number[]>(steps.map(([name]) => [name, []]));
  for (let round = 0; round < count; round++) {
    for (const [name, run] of steps) {
      const started = performance.now();
      run();
      times.get(name)!.push(performance.now() - started);
    }
  }
  return new Map([...times].map(([name, list]) => [name, median(list)]));
}

/** The reference variant's stages at (n, d), in the order a call runs them. */
function stageSteps(): [string, () => void][] {
  const inputs = inputsAt(n);
  // The JS stages read what the kernel's JS path reads on this engine (./kernels/mincut/wide_inputs.ts).
  const js = WIDEN_INPUTS ? new WideInputs(n, d).load(inputs) : inputs;
  const scale = attentionScale(d);
  const logits = new Float32Array(n * n);
  const weights = new Float32Array(n * n);
  const output = new Float32Array(n * d);
  const keys = new Int32Array(n);
  const options = { lambda: 0.5, eps: 0.01, variant: "reference" } as const;
  const gate = new MinCutGate(n, options);
  const tracker = new HysteresisTracker(2, n * n);
  const wasm = new WasmMincut(n, d);
  const wasmGate = new MinCutGate(n, options, wasm.rawMask);
  wasm.load(inputs.q, inputs.k, inputs.v);
  let applied = gate.keepMask;
  return [
    ["logits (js)", () => computeLogits(js.q, js.k, d, n, logits, scale)],
    ["logits (wasm)", () => wasm.computeLogits()],
    ["gate", () => gate.apply(logits)],
    ["gate (into wasm memory)", () => wasmGate.apply(wasm.logits)],
    ["hysteresis + kept (js)", () => {
      applied = tracker.apply(gate.keepMask);
      countKept(applied);
    }],
    ["hysteresis + kept (wasm)", () => wasm.hysteresis(2)],
    ["masked softmax (js)", () => {
      weights.set(logits);
      maskedSoftmaxRows(weights, applied, n);
    }],
    ["masked softmax (wasm)", () => wasm.maskedSoftmax()],
    ["weights × V (js)", () => weightsTimesV(weights, js.v, n, d, output, keys)],
    ["weights × V (wasm)", () => wasm.weightsTimesV()],
  ];
}

/** Whole `mincut` (reference) and `softmax` calls at `seqLen` on both backends. */
function wholeCallSteps(seqLen: number): [string, () => void][] {
  const inputs = inputsAt(seqLen);
  return BACKENDS.flatMap((backend) =>
    (["mincut", "softmax"] as const).map((name): [string, () => void] => {
      const kernel = builtinKernels[name];
      const params = v.parse(kernel.params, { seq_len: seqLen, d, backend });
      const instance = kernel.prepare(params, inputs);
      return [`${name}/${backend}`, () => instance.run()];
    })
  );
}

const env = runtimeInfo();
const loadAtStart = os.loadavg()[0];
console.log(`mincut (reference) vs softmax — ${env.runtime} ${env.version}, d = ${d}, ${rounds} rounds`);
const ms = (x: number): string => x.toFixed(2).padStart(9);

const stages = stageSteps();
timeRounds(stages, 3); // warm-up
console.log(`\nstages at n = ${n} (median ms)`);
for (const [stage, time] of timeRounds(stages, rounds)) console.log(`  ${stage.padEnd(26)}${ms(time)}`);

console.log("\nwhole calls (median ms) and mincut / softmax on the same backend");
console.log(
  `  ${"n".padStart(5)}${
    BACKENDS.map((b) => `${`mincut/${b}`.padStart(13)}${`softmax/${b}`.padStart(13)}${"ratio".padStart(8)}`)
      .join("")
  }`,
);
for (const seqLen of RANGE) {
  const steps = wholeCallSteps(seqLen);
  const count = Math.max(5, Math.round(rounds * (512 / seqLen) ** 2 / 8));
  timeRounds(steps, 3);
  const times = timeRounds(steps, Math.min(count, 200));
  const columns = BACKENDS.map((backend) => {
    const mincut = times.get(`mincut/${backend}`)!, softmax = times.get(`softmax/${backend}`)!;
    return `${ms(mincut).padStart(13)}${ms(softmax).padStart(13)}${
      `${(mincut / softmax).toFixed(2)}×`.padStart(8)
    }`;
  });
  console.log(`  ${String(seqLen).padStart(5)}${columns.join("")}`);
}
console.log(
  `\nhost load (1-min average): ${loadAtStart.toFixed(2)} at start, ${os.loadavg()[0].toFixed(2)} at end`,
);

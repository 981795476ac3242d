/**
 * Where a `mincut` call's time goes, and what it costs against `softmax` on the same backend.
 *
 * 1. Stages of the reference variant at one shape (default n = 512, d = 64), each timed on its
 *    own, on both backends where the stage has two (the JS stages read the inputs as the kernel's
 *    JS path does: widened to f64 on V8): logits (JS f32 and wasm SIMD, bit-identical),
 *    the gate (eps pruning and the two-hop bound, or graph and Dinic when the bound cannot decide;
 *    JS on both backends, the wasm one writing its mask into wasm memory), the hysteresis and kept
 *    count, the masked softmax and weights × V (bit-identical: JS `Math.exp` and f32 in one pass per
 *    row; wasm as two stages, its exp and SIMD).
 *    Then the JS logits' cost per multiply-add, exact (every product and sum rounded to f32, as the
 *    reference does) and, for scale, the same loop unrounded in f64.
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
import { MinCutGate } from "../kernels/mincut/gate.ts";
import { HysteresisTracker } from "../kernels/mincut/hysteresis.ts";
import { computeLogits } from "../kernels/mincut/logits.ts";
import { maskedAttention, rowScratch } from "../kernels/mincut/masked_attention.ts";
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
function timeRounds(steps: [string, () => unknown][], count: number): Map<string, number> {
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
function stageSteps(): [string, () => unknown][] {
  const inputs = inputsAt(n);
  // The JS stages read what the kernel's JS path reads on this engine (./kernels/mincut/wide_inputs.ts).
  const js = WIDEN_INPUTS ? new WideInputs(n, d).load(inputs) : inputs;
  const scale = attentionScale(d);
  const logits = new Float32Array(n * n);
  const output = new Float32Array(n * d);
  const rows = rowScratch(n);
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
      return tracker.kept;
    }],
    ["hysteresis + kept (wasm)", () => wasm.hysteresis(2)],
    ["softmax + weights × V (js)", () => maskedAttention(logits, applied, js.v, n, d, output, rows)],
    ["masked softmax (wasm)", () => wasm.maskedSoftmax()],
    ["weights × V (wasm)", () => wasm.weightsTimesV()],
  ];
}

/**
 * What the reference's f32 rounding costs the JS logits on this engine: ns per multiply-add of
 * the kernel's exact loop, and of the same loop (four keys a pass, same inputs) in plain f64.
 */
function printRoundingCost(): void {
  const inputs = inputsAt(n);
  const { q, k } = WIDEN_INPUTS ? new WideInputs(n, d).load(inputs) : inputs;
  const logits = new Float32Array(n * n);
  const scale = attentionScale(d);
  const steps: [string, () => unknown][] = [
    ["exact", () => computeLogits(q, k, d, n, logits, scale)],
    ["f64", () => unroundedLogits(q, k, logits)],
  ];
  timeRounds(steps, rounds); // warm-up: the f64 loop is new to the JIT here, unlike the kernel's
  const times = timeRounds(steps, rounds);
  const perMac = (name: string) => (times.get(name)! * 1e6) / (n * n * d);
  console.log(
    `  logits per multiply-add: ${perMac("exact").toFixed(2)} ns exact f32, ${perMac("f64").toFixed(2)} ns ` +
      `unrounded f64 (the same loop, for scale: ${(perMac("exact") / perMac("f64")).toFixed(1)}×)`,
  );
}

/** {@link printRoundingCost}'s f64 loop: the kernel's logits loop without `Math.fround`. */
function unroundedLogits(
  q: Float32Array | Float64Array,
  k: Float32Array | Float64Array,
  out: Float32Array,
): void {
  for (let i = 0; i < n; i++) {
    const qi = i * d;
    for (let j = 0; j + 3 < n; j += 4) {
      const k0 = j * d, k1 = k0 + d, k2 = k1 + d, k3 = k2 + d;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let h = 0; h < d; h++) {
        const x = q[qi + h];
        s0 += x * k[k0 + h];
        s1 += x * k[k1 + h];
        s2 += x * k[k2 + h];
        s3 += x * k[k3 + h];
      }
      out[i * n + j] = s0;
      out[i * n + j + 1] = s1;
      out[i * n + j + 2] = s2;
      out[i * n + j + 3] = s3;
    }
    for (let j = n - (n % 4); j < n; j++) {
      let s = 0;
      for (let h = 0; h < d; h++) s += q[qi + h] * k[j * d + h];
      out[i * n + j] = s;
    }
  }
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
printRoundingCost();

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

/**
 * Where a `mincut` call's time goes: each stage of the reference variant timed on its own at one
 * shape (default n = 512, d = 64), on both backends where the stage has two, beside the whole JS
 * `softmax` at the same shape. Stages: logits (JS f32 and wasm SIMD, bit-identical), the gate
 * (graph, Dinic, eps pruning), the hysteresis and kept count, the masked softmax, and weights × V
 * (JS f32 and wasm SIMD, bit-identical). Prints the median of `rounds` rounds per stage.
 *
 *   npx deno run -A bench/mincut_stages.ts [n] [d] [rounds]
 *   npx bun bench/mincut_stages.ts [n] [d] [rounds]
 *
 * @module
 */
import process from "node:process";
import { inputGenerators, nearestRank, runtimeInfo } from "../mod.ts";
import { countKept, MinCutGate } from "../kernels/mincut/gate.ts";
import { HysteresisTracker } from "../kernels/mincut/hysteresis.ts";
import { computeLogits } from "../kernels/mincut/logits.ts";
import { maskedSoftmaxRows, weightsTimesV } from "../kernels/mincut/masked_attention.ts";
import { WasmMincut } from "../kernels/mincut/wasm_mincut.ts";
import { attentionScale } from "../kernels/params.ts";
import softmax from "../kernels/softmax.ts";

const [n, d, rounds] = [512, 64, 40].map((fallback, i) => Number(process.argv[2 + i] ?? fallback));
const inputs = inputGenerators.normal.generate({ seq_len: n, q_width: d, kv_width: d }, 42, { std: 1 });
const scale = attentionScale(d);
const logits = new Float32Array(n * n);
const weights = new Float32Array(n * n);
const output = new Float32Array(n * d);
const keys = new Int32Array(n);
const gate = new MinCutGate(n, { lambda: 0.5, eps: 0.01, variant: "reference" });
const tracker = new HysteresisTracker(2, n * n);
const wasm = new WasmMincut(n, d);
wasm.load(inputs.q, inputs.k, inputs.v);
const dense = softmax.prepare({ seq_len: n, d, causal: false, backend: "js" }, inputs);

const times = new Map<string, number[]>();
function time(stage: string, run: () => void): void {
  const started = performance.now();
  run();
  const list = times.get(stage) ?? [];
  list.push(performance.now() - started);
  times.set(stage, list);
}

for (let round = 0; round < rounds; round++) {
  time("logits (js)", () => computeLogits(inputs.q, inputs.k, d, n, logits, scale));
  time("logits (wasm)", () => wasm.computeLogits());
  time("gate", () => gate.apply(logits));
  let applied = gate.keepMask;
  time("hysteresis + kept count", () => {
    applied = tracker.apply(gate.keepMask);
    countKept(applied);
  });
  weights.set(logits);
  time("masked softmax", () => maskedSoftmaxRows(weights, applied, n));
  wasm.logits.set(weights);
  time("weights × V (js)", () => weightsTimesV(weights, inputs.v, n, d, output, keys));
  time("weights × V (wasm)", () => wasm.weightsTimesV());
  time("softmax (js), whole call", () => dense.run());
}

const env = runtimeInfo();
console.log(
  `mincut (reference) stages — ${env.runtime} ${env.version}, n = ${n}, d = ${d}, ${rounds} rounds`,
);
for (const [stage, list] of times) {
  const median = nearestRank([...list].sort((a, b) => a - b), 50);
  console.log(`${stage.padEnd(26)}${median.toFixed(2).padStart(8)} ms`);
}

/**
 * The exhaustive check behind the wasm mincut softmax's claim to be bit-identical to the JS one:
 * for every f32 x in [−104, 0] (1 120 927 745 values; below −104, e^x rounds to 0 in f32), the
 * wasm `exact_exp` (the softmax's exp, see `exactWeights` in kernels/wasm/assembly/mincut.ts)
 * must equal this runtime's `Math.fround(Math.exp(x))`, bit for bit. The softmax only ever takes
 * exp of an f32 `score − max` ≤ 0 (or NaN, −∞, which go to the host's exp), so this covers every
 * input it can see. Prints the count of mismatches (the first ten of them) and exits 1 on any.
 * About 20 s on one core; tests/mincut_wasm_test.ts checks a strided sample on every run.
 *
 *   npx deno run -A bench/exact_exp.ts [stride]
 *   npx bun bench/exact_exp.ts [stride]
 *
 * @module
 */
import process from "node:process";
import { runtimeInfo } from "../mod.ts";
import { instantiateAttention } from "../kernels/wasm/loader.ts";
import { positiveIntegers } from "./bench_main.ts";

const CHUNK = 1 << 20;
/** Bit patterns of −0 and of −104 as f32: the negative floats between them, in order. */
const FIRST = 0x80000000, LAST = 0xc2d00000;
const [stride] = positiveIntegers("bench/exact_exp.ts", ["stride"], [1]);

const { exports, memory } = instantiateAttention(CHUNK * 8);
const xs = new Float32Array(memory.buffer, 0, CHUNK);
const xBits = new Uint32Array(memory.buffer, 0, CHUNK);
const out = new Float32Array(memory.buffer, CHUNK * 4, CHUNK);

let mismatches = 0, checked = 0;
const started = performance.now();
for (let first = FIRST; first <= LAST; first += CHUNK * stride) {
  const count = Math.min(CHUNK, Math.floor((LAST - first) / stride) + 1);
  for (let i = 0; i < count; i++) xBits[i] = first + i * stride;
  exports.exact_exp(0, CHUNK * 4, count);
  for (let i = 0; i < count; i++) {
    const expected = Math.fround(Math.exp(xs[i]));
    if (Object.is(expected, out[i])) continue;
    if (mismatches++ < 10) console.log(`x = ${xs[i]}: wasm ${out[i]}, Math.exp ${expected}`);
  }
  checked += count;
  if (first % (CHUNK * 128) === 0) {
    process.stderr.write(`\r${((checked / (LAST - FIRST)) * stride * 100).toFixed(0)} %`);
  }
}
const env = runtimeInfo();
console.log(
  `\r${env.runtime} ${env.version}: ${checked} f32 values in [−104, 0] (stride ${stride}), ${mismatches} mismatches, ${
    ((performance.now() - started) / 1000).toFixed(1)
  } s`,
);
if (mismatches > 0) process.exit(1);

/**
 * Loads the WebAssembly build of the dense attention kernels (`kernels/wasm/build/attention.wasm`,
 * made by `npm run build:wasm`, which `npm install` and `npm ci` run). The file is read with
 * `node:fs` and compiled once, synchronously, on first use; every call to
 * {@link instantiateAttention} then makes a fresh instance with a memory of its own, so prepared
 * kernels never share or overwrite each other's buffers, and an instance's memory goes when the
 * kernel holding it is dropped. Works the same on Deno, Bun and Node.
 *
 * @example
 * ```ts
 * import { instantiateAttention } from "./loader.ts";
 * const { exports, memory } = instantiateAttention(1 << 20);
 * memory.buffer.byteLength; // 1048576
 * typeof exports.dense; // "function"
 * ```
 * @module
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The functions `attention.wasm` exports. Pointers are byte offsets into the instance's memory,
 * flags are 0 or 1; `assembly/attention.ts` and `assembly/mincut.ts` document the layout each expects.
 *
 * @example
 * ```ts
 * // One token, d = 1: rows of 32 bytes, heads of 4 rows (the token and three zero rows).
 * const { exports, memory } = instantiateAttention(1024);
 * const floats = new Float32Array(memory.buffer);
 * floats[256 / 4] = 5; // V at byte 256
 * exports.dense(0, 128, 256, 384, 400, 432, 1, 1, 32, 128, 1, 1, 0, 1);
 * floats[384 / 4]; // 5: the token attends to itself only
 * ```
 */
export interface AttentionExports {
  /** Exact softmax attention over `heads` query heads sharing KV heads in groups of `group`. */
  dense(
    q: number,
    k: number,
    v: number,
    out: number,
    scores: number,
    acc: number,
    n: number,
    d: number,
    rowBytes: number,
    headBytes: number,
    heads: number,
    group: number,
    causal: number,
    scale: number,
  ): void;
  /** The min-cut kernel's logits in exact reference f32 order (K in blocks of four keys). */
  exact_logits(q: number, kb: number, out: number, n: number, d: number, scale: number): void;
  /** One step of the min-cut hysteresis over `size` entries; returns the stable mask's ones. */
  hysteresis(
    raw: number,
    stable: number,
    counts: number,
    busy: number,
    size: number,
    tau: number,
    first: number,
  ): number;
  /** `f32(e^x)` for `count` f32 values x ≤ 0, rounded exactly as `Math.fround(Math.exp(x))`. */
  exact_exp(x: number, out: number, count: number): void;
  /** The min-cut kernel's masked row softmax, bit-identical to the JS one (`keys`: n i32 of scratch). */
  masked_softmax(scores: number, mask: number, keys: number, n: number): void;
  /** The min-cut kernel's weights × V in exact reference f32 order (`keys`: n i32 of scratch). */
  exact_weights_v(weights: number, v: number, out: number, keys: number, n: number, d: number): void;
  /** Tiled attention with online softmax, one head. */
  flash(
    q: number,
    k: number,
    v: number,
    out: number,
    scores: number,
    acc: number,
    rowMax: number,
    rowSum: number,
    n: number,
    d: number,
    rowBytes: number,
    tile: number,
    causal: number,
    scale: number,
  ): void;
}

/**
 * One instance of the module and the memory it works in (the module keeps no data of its own in
 * it: every byte belongs to the caller).
 *
 * @example
 * ```ts
 * const { memory } = instantiateAttention(100_000);
 * new Float32Array(memory.buffer, 0, 4).fill(1);
 * ```
 */
export interface AttentionModule {
  exports: AttentionExports;
  memory: WebAssembly.Memory;
}

const WASM_FILE = new URL("./build/attention.wasm", import.meta.url);
const PAGE_BYTES = 65536;
let compiled: WebAssembly.Module | undefined;

/**
 * A fresh instance with a zeroed memory of at least `bytes` bytes (whole 64 KiB pages). Throws
 * when the module has not been built, or when the memory cannot be had.
 *
 * @example
 * ```ts
 * const { exports, memory } = instantiateAttention(4096);
 * memory.buffer.byteLength; // 65536
 * ```
 */
export function instantiateAttention(bytes: number): AttentionModule {
  compiled ??= compile();
  const pages = Math.max(1, Math.ceil(bytes / PAGE_BYTES));
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: pages });
  } catch (cause) {
    throw new RangeError(`wasm backend: cannot allocate ${bytes} bytes of WebAssembly memory`, { cause });
  }
  // `exp` is the host's own Math.exp, which the min-cut softmax calls where only it can say how
  // the JS path rounds (see `exactWeights` in assembly/mincut.ts).
  const instance = new WebAssembly.Instance(compiled, { env: { memory, exp: Math.exp } });
  return { exports: instance.exports as unknown as AttentionExports, memory };
}

function compile(): WebAssembly.Module {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(readFileSync(WASM_FILE));
  } catch (cause) {
    const path = fileURLToPath(WASM_FILE);
    throw new Error(`wasm backend: cannot read ${path}; build it with \`npm run build:wasm\``, { cause });
  }
  return new WebAssembly.Module(bytes);
}

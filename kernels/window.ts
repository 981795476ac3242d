/**
 * `window`: sliding-window (local) attention. Query `i` attends keys `j` with `|i − j| ≤ w`
 * (`i − w ≤ j ≤ i` when `causal`). The first `globals` tokens are global: they attend every key
 * and every query attends them (the causal mask applies to them too). Each query row is an exact
 * softmax over its keys, computed as in `softmax`; only attended pairs are computed and counted
 * in `flops()`.
 *
 * @example
 * ```ts
 * import slidingWindow from "./window.ts";
 * const p = { seq_len: 3, d: 1, w: 0, globals: 1, causal: false };
 * const q = new Float32Array([1, 2, 3]);
 * const kernel = slidingWindow.prepare(p, { q, k: q, v: q, seq_len: 3, q_width: 1, kv_width: 1 });
 * kernel.run(); // query 0 sees all keys; query 2 sees keys 0 and 2
 * ```
 * @module
 */
import * as v from "valibot";
import { defineKernel, type KernelDefinition } from "../plugin_kit.ts";
import { dim } from "./params.ts";
import { RowAttention } from "./row_softmax.ts";

const F32_BYTES = 4;

const params = v.pipe(
  v.object({
    seq_len: dim("seq_len"),
    d: dim("d"),
    w: v.optional(count("w"), 16),
    globals: v.optional(count("globals"), 0),
    causal: v.optional(v.boolean("causal must be true or false"), false),
  }),
  v.check((p) => globalsProblem(p) === undefined, (issue) => globalsProblem(issue.input) ?? ""),
);

/** Parameters of the window kernel. */
export type WindowParams = v.InferOutput<typeof params>;

/** Sliding-window attention with optional global tokens. */
const slidingWindow: KernelDefinition<WindowParams> = defineKernel({
  name: "window",
  version: "1.0.0",
  description: "sliding-window attention |i − j| ≤ w with optional leading global tokens and causal mask",
  params,
  shape: (p) => ({ seq_len: p.seq_len, q_width: p.d, kv_width: p.d }),
  flops: (p) => 4 * p.d * windowPairs(p),
  memory: (p) => ({
    kv_cache_bytes: 2 * p.seq_len * p.d * F32_BYTES,
    activation_bytes: 2 * p.seq_len * p.d * F32_BYTES,
    temp_buffer_bytes: RowAttention.scratchBytes(maxKeys(p), p.d),
  }),
  prepare(p, inputs) {
    const problem = radiusProblem(p) ?? globalsProblem(p);
    if (problem !== undefined) throw new RangeError(`window: ${problem}`);
    const output = new Float32Array(p.seq_len * p.d);
    const rows = new RowAttention(inputs, output, p.d, maxKeys(p));
    const { seq_len: n, d } = p;
    return {
      output,
      run() {
        for (let i = 0; i < n; i++) rows.attend(i * d, 0, prefixEnd(i, p), bandFrom(i, p), bandTo(i, p));
      },
    };
  },
});

export default slidingWindow;

/** A non-negative integer count. */
function count(name: string) {
  const message = `${name} must be a non-negative integer`;
  return v.pipe(v.number(message), v.integer(message), v.minValue(0, message));
}

function radiusProblem(p: { w: number }): string | undefined {
  return Number.isInteger(p.w) && p.w >= 0 ? undefined : `w must be a non-negative integer, received ${p.w}`;
}

function globalsProblem(p: { seq_len: number; globals: number }): string | undefined {
  const ok = Number.isInteger(p.globals) && p.globals >= 0 && p.globals <= p.seq_len;
  return ok ? undefined : `globals must be an integer from 0 to seq_len ${p.seq_len}, received ${p.globals}`;
}

/** Query `i` attends keys `[0, prefixEnd)`: every allowed key for a global query, else the globals. */
function prefixEnd(i: number, p: WindowParams): number {
  if (i >= p.globals) return p.globals;
  return p.causal ? i + 1 : p.seq_len;
}

/** First key of query `i`'s band (empty for a global query, whose prefix holds all its keys). */
function bandFrom(i: number, p: WindowParams): number {
  return i < p.globals ? 0 : Math.max(p.globals, i - p.w);
}

/** End (exclusive) of query `i`'s band. */
function bandTo(i: number, p: WindowParams): number {
  if (i < p.globals) return 0;
  return p.causal ? i + 1 : Math.min(p.seq_len, i + p.w + 1);
}

/** Attended (query, key) pairs. */
function windowPairs(p: WindowParams): number {
  let pairs = 0;
  for (let i = 0; i < p.seq_len; i++) pairs += prefixEnd(i, p) + bandTo(i, p) - bandFrom(i, p);
  return pairs;
}

/** Most keys any one query attends: the size of the score scratch. */
function maxKeys(p: WindowParams): number {
  const { seq_len: n, w, globals: g } = p;
  if (p.causal) return Math.min(n, g + w + 1);
  return g > 0 ? n : Math.min(n, 2 * w + 1);
}

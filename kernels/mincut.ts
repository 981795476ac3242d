/**
 * `mincut`: min-cut gated attention, a reference-compatible port of ruvector's `attn_mincut`
 * (reference ruvector.md §1). One call: f32 logits `Q·Kᵀ · f32(1/√d)` → keep mask (logits ≤ eps
 * pruned, plus the edges of one s–t min cut of the attention graph when its cost is ≤ λ · mean
 * edge weight) → masked row softmax (a fully pruned row gives a zero output row) → weights × V.
 * Masks, edge counts and cut costs equal the reference's exactly; outputs agree within ~1e-6
 * relative (the platform `expf` is not bit-reproducible).
 *
 * Parameters: `lambda` (0.5) and `eps` (0.01), used as f32; `variant` picks the cut:
 * `reference` (token 0 → last token, as the original), `best-sink` (the cheapest sink, §1.8) or
 * `eps-only` (no cut: keep logits > eps, the ablation control).
 *
 * `tau` (2): the original accepts tau and ignores it. Here it drives a hysteresis tracker (§1.5)
 * across successive `run()` calls of one prepared instance: the first call uses the raw mask,
 * later calls flip a position only after `tau` consecutive calls disagree with it. `tau` = 0 and
 * `tau` = 1 behave identically (every change applies at once). A timed loop over fixed inputs
 * produces the same raw mask every call, so there the tracker never changes the result.
 *
 * `backend: wasm` computes the logits, the hysteresis, the masked softmax and weights × V in
 * WebAssembly, bit-identical to the JS path (each SIMD lane keeps one key's, or one output value's,
 * reference order of f32 accumulation; the softmax's exp rounds exactly as
 * `Math.fround(Math.exp(x))`); the gate stays in JS and writes its mask into wasm memory. On both
 * backends the gate first tries a two-hop flow bound that proves the cut cannot fire
 * (./mincut/flow_bound.ts); only where it cannot decide are the graph built and Dinic run, in JS.
 * That never happens on the default study's inputs, so a wasm max flow would not pay there.
 * `backend: webgpu` is refused (docs/webgpu.md): GPU logits cannot be guaranteed bit-identical to
 * the reference's, so neither could the masks, counts and cut costs.
 *
 * `load()` swaps in the next sample's Q, K, V (same shape) and keeps the hysteresis state, so τ
 * acts across the evaluation samples of a case. Like the wasm backend, the JS path on V8 works on
 * copies of its inputs (f64 copies, see ./mincut/wide_inputs.ts): new values reach it by `load()`.
 *
 * `stats()` gives `edges_kept` (entries of the applied mask, after hysteresis), `edges_total`
 * (seq_len²) and `cut_cost` (0 when the cut did not fire), and `keepMask` is the applied mask
 * itself (no copy).
 *
 * `flops` counts the dense QKᵀ and weights × V, 4·n²·d, like `softmax`: the graph and min-cut
 * work is not floating-point throughput and is not counted, and pruned (skipped) weights are
 * not subtracted, so GFLOP/s compares with dense attention at equal shape.
 *
 * @example
 * ```ts
 * import mincut from "./mincut.ts";
 * const q = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
 * const v = Float32Array.from({ length: 12 }, (_, i) => i);
 * const p = { seq_len: 4, d: 3, lambda: 0.5, tau: 2, eps: 0.01, variant: "reference" as const };
 * const kernel = mincut.prepare(p, { q, k: q, v, seq_len: 4, q_width: 3, kv_width: 3 });
 * kernel.run();
 * kernel.output; // [0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0]
 * kernel.stats(); // { edges_kept: 3, edges_total: 16, cut_cost: 0 }
 * ```
 * @module
 */
import * as v from "valibot";
import type { AttentionInputs, KernelDefinition, KernelInstance } from "../plugin_kit.ts";
import { attentionScale, dim } from "./params.ts";
import { WasmMincut } from "./mincut/wasm_mincut.ts";
import { CUT_VARIANTS, gateBytes, MinCutGate } from "./mincut/gate.ts";
import { hysteresisBytes, HysteresisTracker } from "./mincut/hysteresis.ts";
import { checkLength, computeLogits } from "./mincut/logits.ts";
import { maskedAttention, rowScratch, rowScratchBytes } from "./mincut/masked_attention.ts";
import { type Operands, WideInputs, WIDEN_INPUTS } from "./mincut/wide_inputs.ts";

const tauMessage = "a non-negative integer for tau";

/** Why mincut has no WebGPU backend: its masks and counts must equal the reference's exactly. */
const NO_WEBGPU = '"js" or "wasm" for backend (mincut has no webgpu backend: its masks, edge counts and ' +
  "cut costs must equal the reference's exactly, which needs f32 logits summed in the reference's order, " +
  "and WGSL lets a GPU fuse multiply-adds and sum in any order)";

/** The `backend` parameter: `"js"` (the default when left out) or `"wasm"`, with no schema default. */
const backendParam = v.optional(
  v.picklist(
    ["js", "wasm"],
    (issue) => issue.input === "webgpu" ? NO_WEBGPU : '"js" or "wasm" for backend',
  ),
);

const params = v.object({
  seq_len: dim("seq_len"),
  d: dim("d"),
  lambda: v.optional(v.pipe(v.number("a number for lambda"), v.finite("a finite number for lambda")), 0.5),
  tau: v.optional(v.pipe(v.number(tauMessage), v.integer(tauMessage), v.minValue(0, tauMessage)), 2),
  eps: v.optional(v.pipe(v.number("a number for eps"), v.finite("a finite number for eps")), 0.01),
  variant: v.optional(
    v.picklist(CUT_VARIANTS, `one of: ${CUT_VARIANTS.join(", ")}`),
    "reference",
  ),
  backend: backendParam,
});

/** Parameters of the mincut kernel. */
export type MincutParams = v.InferOutput<typeof params>;

/** Statistics of the last `run()`. */
export type MincutStats = { edges_kept: number; edges_total: number; cut_cost: number };

/** A prepared mincut kernel; `keepMask` is the mask the last `run()` applied (row-major, 0/1). */
export interface MincutInstance extends KernelInstance {
  /** The keep mask the last `run()` applied (after hysteresis): the instance's buffer, not a copy; read only. */
  readonly keepMask: Uint8Array;
  /** `edges_kept`, `edges_total` and `cut_cost` of the last `run()`. */
  stats(): MincutStats;
}

/** The mincut kernel definition, with its instance type. */
export interface MincutKernel extends KernelDefinition<MincutParams> {
  /** Allocates every buffer for the parameter point; throws a RangeError on wrong input shapes. */
  prepare(params: MincutParams, inputs: AttentionInputs): MincutInstance;
}

const BYTES = 4;

/** Min-cut gated attention. */
const mincut: MincutKernel = {
  name: "mincut",
  version: "1.0.0",
  description: "min-cut gated attention (reference attn_mincut), with best-sink and eps-only variants",
  params,
  shape: (p) => ({ seq_len: p.seq_len, q_width: p.d, kv_width: p.d }),
  flops: (p) => 4 * p.seq_len * p.seq_len * p.d,
  memory: (p) => ({
    kv_cache_bytes: 2 * p.seq_len * p.d * BYTES,
    activation_bytes: 2 * p.seq_len * p.d * BYTES,
    temp_buffer_bytes: scratchBytes(p),
  }),
  prepare(p, inputs) {
    const { seq_len: n, d } = p;
    const wasm = p.backend === "wasm" ? new WasmMincut(n, d) : undefined;
    const wide = !wasm && WIDEN_INPUTS ? new WideInputs(n, d) : undefined;
    /** Checks a sample's Q, K and V and hands them to the backend; returns what the JS path reads. */
    const take = (next: AttentionInputs): Operands => {
      checkInputs(next, n, d);
      wasm?.load(next.q, next.k, next.v);
      return wide ? wide.load(next) : next;
    };
    let js = take(inputs);
    const logits = wasm ? wasm.logits : new Float32Array(n * n);
    const output = wasm ? wasm.output : new Float32Array(n * d);
    const rows = rowScratch(wasm ? 0 : n);
    const scale = attentionScale(d);
    const gate = new MinCutGate(n, p, wasm?.rawMask);
    const tracker = wasm ? undefined : new HysteresisTracker(p.tau, n * n);
    let applied = wasm ? wasm.stableMask : gate.keepMask;
    let kept = 0;
    return {
      output,
      get keepMask() {
        return applied;
      },
      run() {
        if (wasm) {
          wasm.computeLogits();
          gate.apply(logits);
          kept = wasm.hysteresis(p.tau);
          wasm.maskedSoftmax();
          wasm.weightsTimesV();
        } else {
          computeLogits(js.q, js.k, d, n, logits, scale);
          gate.apply(logits);
          applied = tracker!.apply(gate.keepMask);
          kept = tracker!.kept;
          maskedAttention(logits, applied, js.v, n, d, output, rows);
        }
      },
      stats: () => ({ edges_kept: kept, edges_total: n * n, cut_cost: gate.cutCost }),
      load(next) {
        js = take(next);
      },
    };
  },
};

export default mincut;

/** Throws a RangeError naming Q, K or V when one does not hold seq_len × d values. */
function checkInputs(inputs: AttentionInputs, n: number, d: number): void {
  for (const [name, array] of [["q", inputs.q], ["k", inputs.k], ["v", inputs.v]] as const) {
    checkLength(name, array.length, n * d, `seq_len ${n} × d ${d}`);
  }
}

/**
 * Scratch bytes a prepared instance holds. JS path: the n² f32 logits, the gate's mask, graph and
 * Dinic buffers, the hysteresis mask and counts, one row's attended keys and weights and,
 * on V8, the widened copies of Q, K and V (./mincut/wide_inputs.ts). wasm: its memory
 * (./mincut/wasm_mincut.ts, which also holds the gate's mask and the hysteresis) and the gate's
 * graph and Dinic buffers.
 *
 * @example
 * ```ts
 * scratchBytes({ seq_len: 4, d: 2, variant: "eps-only", backend: "js" }); // 64 + 16 + 80 + 32 (48 and + 192 on V8)
 * ```
 */
export function scratchBytes(p: Pick<MincutParams, "seq_len" | "d" | "variant" | "backend">): number {
  const n = p.seq_len;
  const gate = gateBytes(n, p.variant);
  if (p.backend === "wasm") return WasmMincut.bytes(n, p.d) + gate - n * n;
  const rowLists = rowScratchBytes(n);
  const jsOnly = n * n * BYTES + rowLists + WideInputs.bytes(n, p.d);
  return jsOnly + gate + hysteresisBytes(n * n);
}

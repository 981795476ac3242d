/**
 * A proof, cheaper than any max flow, that the gate's cut cannot fire: a lower bound on the f32
 * cost of every s–t cut, set against an upper bound on the gate's threshold λ · mean edge weight.
 *
 * The bound is a feasible flow. From token 0 to a sink t, the direct edge 0 → t and the two-edge
 * paths 0 → v → t (v ∉ {0, t}) share no edge, so sending min(w(0,v), w(v,t)) along each path and
 * w(0,t) along the direct edge is a flow of value F(t). By weak duality every cut separating 0
 * from t has an exact capacity of at least F(t), whatever max-flow solver found it and however
 * that solver rounded. The reference reports the cut's cost as the f32 sum of its k ≤ m weights,
 * which is at least its exact capacity × (1 − k · 2⁻²⁴) less k subnormal half-units; the gate's
 * threshold `f32(λ · f32(Σw / m))` is at most λ · Σw / m × (1 + 2⁻²⁴)² where Σw is the exact sum
 * of the m edge weights, itself known within m · 2⁻⁵³ from an f64 sum. Every such factor is taken
 * with a margin of at least 2, so when {@link cutFloor} exceeds {@link thresholdCeiling} the cut's
 * cost exceeds the threshold (a flow above {@link setFlowNeeded}'s value proves it): the gate keeps every edge and reports cut cost 0, exactly as the
 * full computation would, and no max flow is needed. When the proof fails (a token 0 with few
 * strong edges, a large λ), the gate runs the solver as before; a proof never changes a result.
 *
 * Floating-point results travel in typed-array slots, never as return values or arguments: on V8 a
 * number that crosses a call the JIT did not inline is boxed on the heap, and the gate allocates
 * nothing per call.
 *
 * @example
 * ```ts
 * import { boundSlots, FLOW_NEEDED, LAMBDA, setFlowNeeded, twoHopFlow, WEIGHT_SUM } from "./flow_bound.ts";
 * const logits = new Float32Array([1, 2, 0.5, 1]); // edges 0→0, 0→1, 1→0, 1→1
 * const flows = new Float64Array(2);
 * twoHopFlow(logits, 2, 0.01, 1, flows); // flows[1] = 2: the direct edge 0 → 1
 * const bounds = boundSlots();
 * bounds[WEIGHT_SUM] = 4.5;
 * bounds[LAMBDA] = 0.5;
 * setFlowNeeded(bounds, 4, 2);
 * flows[1] > bounds[FLOW_NEEDED]; // true: λ = 0.5 cannot fire
 * ```
 * @module
 */

/** Twice f32's unit roundoff: the relative error allowed per f32 addition. */
const F32_SLACK = 2 ** -23;
/** Twice f64's unit roundoff. */
const F64_SLACK = 2 ** -52;
/** Twice the largest absolute error of an f32 addition in the subnormal range. */
const SUBNORMAL_SLACK = 2 ** -148;
/** An f32 sum that stays below this cannot overflow to Infinity. */
const F32_SAFE = 2 ** 127;
/** Relative slack for the handful of f64 operations in the bounds themselves. */
const OWN_SLACK = 2 ** -40;

/** Slots of a {@link boundSlots} array: the f64 weight sum, the f32 λ, the flow that proves. */
export const WEIGHT_SUM = 0, LAMBDA = 1, FLOW_NEEDED = 2;

/**
 * A fresh array for the WEIGHT_SUM, LAMBDA and FLOW_NEEDED slots.
 *
 * @example
 * ```ts
 * boundSlots().length; // 3
 * ```
 */
export function boundSlots(): Float64Array {
  return new Float64Array(3);
}

/**
 * Into `flows[t]`, for the sink `t`: F(t) = w(0,t) + Σ over v ∉ {0, t} of min(w(0,v), w(v,t)),
 * where w(a,b) is `logits[a·n + b]` when it is above `floor` and 0 otherwise (no edge), in f64.
 *
 * @example
 * ```ts
 * const flows = new Float64Array(3);
 * twoHopFlow(new Float32Array([0, 1, 1, 0, 0, 2, 0, 0, 0]), 3, 0, 2, flows); // flows[2] = 1 + min(1, 2) = 2
 * ```
 */
export function twoHopFlow(
  logits: Float32Array,
  n: number,
  floor: number,
  t: number,
  flows: Float64Array,
): void {
  flows[t] = 0;
  if (logits[t] > floor) flows[t] = logits[t];
  for (let v = 1; v < n; v++) {
    const first = logits[v], second = logits[v * n + t];
    if (v !== t && first > floor && second > floor) flows[t] += first < second ? first : second;
  }
}

/**
 * {@link twoHopFlow} for every sink at once, into `flows[t]` (t = 1 … n−1; `flows[0]` = 0), in
 * one row-major pass over the logits.
 *
 * @example
 * ```ts
 * const flows = new Float64Array(3);
 * twoHopFlows(new Float32Array([0, 1, 1, 0, 0, 2, 0, 0, 0]), 3, 0, flows); // flows = [0, 1, 2]
 * ```
 */
export function twoHopFlows(logits: Float32Array, n: number, floor: number, flows: Float64Array): void {
  flows.fill(0, 0, n);
  for (let t = 1; t < n; t++) if (logits[t] > floor) flows[t] = logits[t];
  for (let v = 1; v < n; v++) {
    const first = logits[v];
    if (!(first > floor)) continue;
    const row = v * n;
    for (let t = 1; t < n; t++) {
      const second = logits[row + t];
      if (t !== v && second > floor) flows[t] += first < second ? first : second;
    }
  }
}

/**
 * Into `bounds[FLOW_NEEDED]`: the flow value above which every cut of a graph of `edges` edges
 * on `nodes` nodes provably costs more, in the reference's f32 sum, than the gate's threshold
 * `f32(λ · f32(Σw / m))` can be, for m = `edges` edges whose weights sum to `bounds[WEIGHT_SUM]`
 * in f64 (any order), with the f32 λ in `bounds[LAMBDA]`. Infinity when nothing can be proven:
 * when the f32 sum of the weights could overflow (the threshold may then be Infinity or NaN) or
 * the graph is too large for the rounding bounds. A λ ≤ 0 gives a threshold ≤ 0.
 *
 * @example
 * ```ts
 * const bounds = boundSlots();
 * bounds[WEIGHT_SUM] = 4.5;
 * bounds[LAMBDA] = 0.5;
 * setFlowNeeded(bounds, 4, 2); // bounds[FLOW_NEEDED] is 0.5625 plus a few parts in 10⁶
 * ```
 */
export function setFlowNeeded(bounds: Float64Array, edges: number, nodes: number): void {
  const sum = bounds[WEIGHT_SUM] * (1 + 2 * edges * F32_SLACK) + edges * SUBNORMAL_SLACK;
  const bounded = edges * F32_SLACK < 0.5 && sum < F32_SAFE;
  // The threshold's ceiling: the f32 mean and the f32 product each round up by at most 2⁻²⁴.
  const ceiling = Math.max(bounds[LAMBDA], 0) * (sum / edges) * (1 + 4 * F32_SLACK);
  // A cut's f32 cost ≥ its exact capacity × (1 − edges · 2⁻²⁴) − edges subnormal half-units, and
  // the exact flow ≥ its f64 sum × (1 − nodes · 2⁻⁵³); OWN_SLACK covers this line's own rounding.
  const shrink = (1 - nodes * F64_SLACK) * (1 - edges * F32_SLACK) * (1 - OWN_SLACK);
  // Two stores, not `bounded ? … : Infinity`: V8's mid tier boxes a number that meets a constant.
  if (bounded) bounds[FLOW_NEEDED] = (ceiling + edges * SUBNORMAL_SLACK) / shrink;
  else bounds[FLOW_NEEDED] = Infinity;
}

/** What {@link markProvenSinks} leaves in `flows[t]` for a sink whose cut provably does not fire. */
export const PROVEN = -1;

/**
 * Sets `flows[t]` to {@link PROVEN} for every sink t = 1 … n−1 whose flow is above
 * `bounds[FLOW_NEEDED]` (its cut provably does not fire) and returns how many sinks are left open.
 * (A flow is never negative, so the mark cannot be mistaken for one.)
 *
 * @example
 * ```ts
 * const flows = new Float64Array([0, 5, 0.1]);
 * markProvenSinks(flows, 3, new Float64Array([0, 0, 1])); // 1, and flows = [0, -1, 0.1]
 * ```
 */
export function markProvenSinks(flows: Float64Array, n: number, bounds: Float64Array): number {
  let open = 0;
  for (let t = 1; t < n; t++) {
    if (flows[t] > bounds[FLOW_NEEDED]) flows[t] = PROVEN;
    else open++;
  }
  return open;
}

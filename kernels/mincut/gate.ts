/**
 * The keep-mask decision of min-cut gated attention (ruvector.md §1.3 `dynamic_min_cut`, §1.8
 * `dynamic_min_cut_best_sink` and `eps_only_keep_mask`). Entries with logit ≤ max(eps, 0) are
 * pruned; then one s–t min cut of the remaining graph is taken (s = token 0, t = the last token,
 * or for `best-sink` the cheapest t) and its edges are pruned too, but only when its f32 cost is
 * ≤ λ · mean edge weight. The reference also takes `tau` and ignores it; here it is left out.
 * The max flow stops as soon as the flow pushed proves the cut too expensive to fire (see
 * {@link DinicSolver.cut}); masks, counts and costs stay exactly the reference's. As in the
 * solver, {@link MinCutGate.apply} keeps its floating-point state (the weight sum, the threshold,
 * the costs) in typed-array slots, so that no V8 tier boxes a number on the heap.
 *
 * @example
 * ```ts
 * import { dynamicMinCut } from "./gate.ts";
 * const logits = new Float32Array([1, 2, 0.5, 1]);
 * dynamicMinCut(logits, 2, 2, 0.01); // { keep_mask: [1, 0, 1, 1], cut_cost: 2, edges_kept: 3, edges_total: 4 }
 * ```
 * @module
 */
import { dinicBytes, DinicSolver } from "./dinic.ts";
import {
  boundSlots,
  FLOW_NEEDED,
  LAMBDA,
  markProvenSinks,
  PROVEN,
  setFlowNeeded,
  twoHopFlow,
  twoHopFlows,
  WEIGHT_SUM,
} from "./flow_bound.ts";
import { type AttentionGraph, checkSquare, createGraph, fillGraph, graphBytes } from "./graph.ts";

/**
 * The names of the cut choices, for parameter schemas.
 *
 * @example
 * ```ts
 * v.picklist(CUT_VARIANTS); // accepts "reference", "best-sink" or "eps-only"
 * ```
 */
export const CUT_VARIANTS = ["reference", "best-sink", "eps-only"] as const;

/**
 * `reference`: the single cut 0 → seq_len−1; `best-sink`: the cheapest cut 0 → t over all t;
 * `eps-only`: no cut, keep exactly the logits > eps (the ablation control).
 */
export type CutVariant = typeof CUT_VARIANTS[number];

/** Settings of a {@link MinCutGate}; `lambda` and `eps` are used as f32, as in the reference. */
export interface GateOptions {
  /** The cut fires when its cost is ≤ lambda · mean edge weight. */
  lambda: number;
  /** Logits ≤ max(eps, 0) are pruned (`eps-only`: logits ≤ eps). */
  eps: number;
  /** Which cut, if any. */
  variant: CutVariant;
}

/** The reference `GatingResult`; `keep_mask` has one 0/1 entry per logit, row-major. */
export interface GatingResult {
  /** 1 for kept entries. */
  keep_mask: Uint8Array;
  /** Cost of the cut when it fired, else 0. */
  cut_cost: number;
  /** Number of 1s in `keep_mask`. */
  edges_kept: number;
  /** seq_len², not the number of graph edges. */
  edges_total: number;
}

/**
 * A reusable gate for one `seqLen`: the constructor allocates every buffer, `apply` allocates
 * nothing and leaves its result in `keepMask`, `cutCost` and `edgesKept`.
 *
 * @example
 * ```ts
 * const gate = new MinCutGate(3, { lambda: 0.625, eps: 0.01, variant: "reference" });
 * gate.apply(new Float32Array([1, 0.5, 0, 0, 1, 0.5, 0, 0, 1]));
 * [gate.edgesKept, gate.cutCost]; // [4, 0.5]
 * ```
 */
export class MinCutGate {
  /** One 0/1 entry per logit after the last `apply`. */
  readonly keepMask: Uint8Array;
  /** seq_len², the reference's `edges_total`. */
  readonly edgesTotal: number;
  /** Bytes of all buffers this gate allocated (equals {@link gateBytes}, less a mask it was given). */
  readonly byteLength: number;
  #cutCost = 0;
  #edgesKept = 0;
  #maxFlows = 0;
  readonly #seqLen: number;
  readonly #lambda: number;
  readonly #eps: number;
  /** Logits ≤ this are no graph edges: max(eps, 0). */
  readonly #floor: number;
  /** Graph, solver and the source side to prune from; absent for `eps-only`. */
  readonly #cut: CutBuffers | undefined;

  /**
   * Allocates the mask (unless `mask`, seqLen² bytes, is given to write it into) and, for the cut
   * variants, the dense graph and the solver.
   */
  constructor(seqLen: number, options: GateOptions, mask?: Uint8Array) {
    if (!CUT_VARIANTS.includes(options.variant)) {
      throw new RangeError(`variant is "${options.variant}", expected one of: ${CUT_VARIANTS.join(", ")}`);
    }
    this.#seqLen = seqLen;
    this.#lambda = Math.fround(options.lambda);
    this.#eps = Math.fround(options.eps);
    this.#floor = Math.max(this.#eps, 0);
    if (mask !== undefined && mask.length !== seqLen * seqLen) {
      throw new RangeError(
        `mask has length ${mask.length}, expected ${seqLen * seqLen} (seq_len ${seqLen}²)`,
      );
    }
    this.keepMask = mask ?? new Uint8Array(seqLen * seqLen);
    this.edgesTotal = seqLen * seqLen;
    this.#cut = options.variant === "eps-only"
      ? undefined
      : cutBuffers(seqLen, options.variant, this.#lambda);
    this.byteLength = (mask === undefined ? this.keepMask.byteLength : 0) + (this.#cut?.byteLength ?? 0);
  }

  /**
   * Max flows the last `apply` ran: 0 when the two-hop bound proved that the cut cannot fire
   * (or for `eps-only`), 1 for `reference`, up to seq_len − 1 for `best-sink`.
   */
  get maxFlows(): number {
    return this.#maxFlows;
  }

  /** Cost of the cut that fired in the last `apply`, 0 when none did (as the reference reports). */
  get cutCost(): number {
    return this.#cutCost;
  }

  /** Kept entries after the last `apply`. */
  get edgesKept(): number {
    return this.#edgesKept;
  }

  /** Decides the keep mask of a `seqLen × seqLen` row-major logits matrix. */
  apply(logits: Float32Array): void {
    checkSquare(logits, this.#seqLen);
    this.#cutCost = 0;
    this.#maxFlows = 0;
    const cut = this.#cut;
    if (cut === undefined) {
      epsOnlyKeepMask(logits, this.#eps, this.keepMask);
      this.#edgesKept = countKept(this.keepMask);
      return;
    }
    const edgeCount = markEdges(logits, this.#floor, this.keepMask, cut.bounds);
    this.#edgesKept = edgeCount;
    if (edgeCount === 0 || this.#seqLen < 2) {
      this.keepMask.fill(0);
      this.#edgesKept = 0;
      return;
    }
    if (this.#provenUncut(logits, cut, edgeCount)) return;
    fillGraph(cut.graph, logits, this.#floor);
    sumWeights(cut.graph, cut.weightSum);
    // The reference's mean_w, in f32.
    const mean = Math.fround(cut.weightSum[0] / Math.fround(edgeCount));
    const threshold = Math.fround(this.#lambda * mean);
    cut.threshold[0] = threshold;
    cut.solver.load(cut.graph);
    if (cut.bestSink) this.#bestSinkCut(cut);
    else this.#fixedSinkCut(cut);
    const cost = cut.cost[0];
    if (cost <= threshold) {
      this.#cutCost = cost;
      this.#edgesKept -= this.#pruneCut(cut);
    }
  }

  /**
   * True when the two-hop flows prove that no cut the gate considers can cost as little as the
   * threshold (see ./flow_bound.ts): the mask then stays every edge and the cut cost 0. For
   * best-sink, also marks in `cut.flows[t]` (as PROVEN) each sink t proven, so the solver skips it.
   */
  #provenUncut(logits: Float32Array, cut: CutBuffers, edgeCount: number): boolean {
    const n = this.#seqLen;
    const { bounds, flows } = cut;
    setFlowNeeded(bounds, edgeCount, n);
    if (!cut.bestSink) {
      twoHopFlow(logits, n, this.#floor, n - 1, flows);
      return flows[n - 1] > bounds[FLOW_NEEDED];
    }
    twoHopFlows(logits, n, this.#floor, flows);
    return markProvenSinks(flows, n, bounds) === 0;
  }

  /**
   * Into `cut.cost`: the reference cut 0 → seq_len−1, or `Infinity` once the flow proves it above
   * the threshold.
   */
  #fixedSinkCut(cut: CutBuffers): void {
    const solver = cut.solver;
    solver.limit[0] = cut.threshold[0];
    solver.solve(0, this.#seqLen - 1);
    this.#maxFlows = 1;
    cut.cost[0] = solver.cost[0];
  }

  /**
   * Into `cut.cost`: the strictly cheapest cut 0 → t over t = 1..seq_len−1 (earliest t on ties),
   * `Infinity` when the flow proved every one above the threshold; S copied aside. Sinks whose
   * two-hop flow already proved their cut above the threshold (PROVEN in `cut.flows`) are skipped:
   * such a cut can be neither the cheapest one that fires nor tied with it.
   */
  #bestSinkCut(cut: CutBuffers): void {
    const solver = cut.solver;
    const best = cut.cost;
    const flows = cut.flows;
    best[0] = Infinity;
    for (let t = 1; t < this.#seqLen; t++) {
      if (flows[t] === PROVEN) continue;
      solver.limit[0] = Math.min(cut.threshold[0], best[0]);
      solver.solve(0, t);
      this.#maxFlows++;
      if (solver.cost[0] < best[0]) {
        best[0] = solver.cost[0];
        cut.side.set(solver.sourceSide);
      }
    }
  }

  /** Clears the mask at every edge leaving the source side; returns how many were cleared. */
  #pruneCut(cut: CutBuffers): number {
    const { src, dst, edgeCount } = cut.graph;
    const n = this.#seqLen;
    const side = cut.side;
    const mask = this.keepMask;
    let pruned = 0;
    for (let e = 0; e < edgeCount; e++) {
      if (side[src[e]] === 1 && side[dst[e]] === 0) {
        mask[src[e] * n + dst[e]] = 0;
        pruned++;
      }
    }
    return pruned;
  }
}

/** The buffers of the cut variants. */
interface CutBuffers {
  graph: AttentionGraph;
  solver: DinicSolver;
  /** The source side pruned from: the solver's own, or (best-sink) a copy of the best one. */
  side: Uint8Array;
  /** `weightSum[0]`: the f32 sum of the graph's edge weights. */
  weightSum: Float32Array;
  /** `threshold[0]`: the cut fires when its cost is ≤ this. */
  threshold: Float64Array;
  /** `cost[0]`: the chosen cut's cost, `Infinity` when the flow proved it above the threshold. */
  cost: Float64Array;
  /** The WEIGHT_SUM, LAMBDA and FLOW_NEEDED slots of ./flow_bound.ts. */
  bounds: Float64Array;
  /** Each sink's two-hop flow; best-sink: PROVEN once it proved the sink's cut above the threshold. */
  flows: Float64Array;
  bestSink: boolean;
  byteLength: number;
}

/** Bytes of a {@link CutBuffers}' `weightSum`, `threshold`, `cost` and `bounds`. */
const CUT_SCALAR_BYTES = 4 + 8 + 8 + 24;

/** Allocates the graph and solver of a cut variant. */
function cutBuffers(seqLen: number, variant: CutVariant, lambda: number): CutBuffers {
  const graph = createGraph(seqLen);
  const solver = new DinicSolver(seqLen, seqLen * seqLen);
  const bestSink = variant === "best-sink";
  const side = bestSink ? new Uint8Array(seqLen) : solver.sourceSide;
  const weightSum = new Float32Array(1);
  const threshold = new Float64Array(1);
  const cost = new Float64Array(1);
  const bounds = boundSlots();
  bounds[LAMBDA] = lambda;
  const flows = new Float64Array(seqLen);
  const graphLength = graph.src.byteLength + graph.dst.byteLength + graph.weight.byteLength;
  const scalars = weightSum.byteLength + threshold.byteLength + cost.byteLength + bounds.byteLength;
  const byteLength = graphLength + solver.byteLength + (bestSink ? side.byteLength : 0) + flows.byteLength +
    scalars;
  return { graph, solver, side, weightSum, threshold, cost, bounds, flows, bestSink, byteLength };
}

/**
 * Bytes a `new MinCutGate(seqLen, { variant })` allocates: the n² mask, and unless `eps-only`
 * the dense graph, the Dinic solver, (best-sink) a copy of the best source side, and the f32
 * weight sum, the threshold and the cost.
 *
 * @example
 * ```ts
 * gateBytes(512, "eps-only"); // 262144
 * ```
 */
export function gateBytes(seqLen: number, variant: CutVariant): number {
  const mask = seqLen * seqLen;
  if (variant === "eps-only") return mask;
  const best = variant === "best-sink" ? seqLen : 0;
  const flows = 8 * seqLen;
  return mask + graphBytes(seqLen) + dinicBytes(seqLen, seqLen * seqLen) + best + flows + CUT_SCALAR_BYTES;
}

/**
 * The reference `dynamic_min_cut(logits, seq_len, lambda, tau, eps)` without its ignored `tau`.
 *
 * @example
 * ```ts
 * dynamicMinCut(new Float32Array([-1, -1, -1, -1]), 2, 0.5, 0.01).edges_kept; // 0
 * ```
 */
export function dynamicMinCut(
  logits: Float32Array,
  seqLen: number,
  lambda: number,
  eps: number,
): GatingResult {
  return gateOnce(logits, seqLen, { lambda, eps, variant: "reference" });
}

/**
 * The reference `dynamic_min_cut_best_sink`: like {@link dynamicMinCut} with the cheapest sink.
 *
 * @example
 * ```ts
 * dynamicMinCutBestSink(new Float32Array([1, 2, 0.5, 1]), 2, 2, 0.01).cut_cost; // 2
 * ```
 */
export function dynamicMinCutBestSink(
  logits: Float32Array,
  seqLen: number,
  lambda: number,
  eps: number,
): GatingResult {
  return gateOnce(logits, seqLen, { lambda, eps, variant: "best-sink" });
}

/**
 * The reference `eps_only_keep_mask`: 1 where `logit > eps` (eps as f32), written into `out`.
 *
 * @example
 * ```ts
 * epsOnlyKeepMask(new Float32Array([1, -0.5, 0, 0.02, 0.005, 2]), 0.01); // Uint8Array [1, 0, 0, 1, 0, 1]
 * ```
 */
export function epsOnlyKeepMask(
  logits: Float32Array,
  eps: number,
  out: Uint8Array = new Uint8Array(logits.length),
): Uint8Array {
  if (out.length !== logits.length) {
    throw new RangeError(`mask has length ${out.length}, expected ${logits.length} (one entry per logit)`);
  }
  const floor = Math.fround(eps);
  for (let i = 0; i < logits.length; i++) out[i] = Number(logits[i] > floor); // no branch to mispredict
  return out;
}

/**
 * Number of nonzero entries of a 0/1 mask.
 *
 * @example
 * ```ts
 * countKept(new Uint8Array([1, 0, 1])); // 2
 * ```
 */
export function countKept(mask: Uint8Array): number {
  let kept = 0;
  for (let i = 0; i < mask.length; i++) kept += (mask[i] + 255) >> 8; // 1 for nonzero, branch-free
  return kept;
}

/**
 * The eps pruning: `mask[i]` = 1 where the logit is above `floor`, else 0; returns how many. Leaves
 * in `bounds[WEIGHT_SUM]` the f64 sum of `logit × mask` over all entries: the kept weights' sum (a
 * pruned −∞ or NaN makes it NaN, which proves nothing). Branch-free (`Number(w > floor)`; `?:` and
 * `Math.max` compile to branches, which a half-random mask mispredicts every other entry); the
 * running sum passes through the slot once per four entries (see sumWeights).
 */
function markEdges(logits: Float32Array, floor: number, mask: Uint8Array, bounds: Float64Array): number {
  const length = logits.length;
  const head = length % 4;
  let count = 0;
  bounds[WEIGHT_SUM] = 0;
  // The odd entries first, so that nothing follows the long loop (see the note in DinicSolver.load).
  for (let i = 0; i < head; i++) {
    const edge = Number(logits[i] > floor);
    mask[i] = edge;
    count += edge;
    bounds[WEIGHT_SUM] += logits[i] * edge;
  }
  for (let i = head; i < length; i += 4) {
    const w0 = logits[i], w1 = logits[i + 1], w2 = logits[i + 2], w3 = logits[i + 3];
    const e0 = Number(w0 > floor), e1 = Number(w1 > floor), e2 = Number(w2 > floor), e3 = Number(w3 > floor);
    mask[i] = e0;
    mask[i + 1] = e1;
    mask[i + 2] = e2;
    mask[i + 3] = e3;
    count += e0 + e1 + e2 + e3;
    bounds[WEIGHT_SUM] += w0 * e0 + w1 * e1 + w2 * e2 + w3 * e3;
  }
  return count;
}

/**
 * Writes to `sum[0]` the f32 sum of the graph's edge weights in edge order. A Float32Array store
 * rounds to f32, so `sum[0] += w` is `sum = Math.fround(sum + w)`. The running sum passes through
 * the slot once per four edges; in between it is local to one pass of the loop, never a variable
 * carried from pass to pass, which V8's Maglev tier would box on the heap at every pass.
 */
function sumWeights(graph: AttentionGraph, sum: Float32Array): void {
  const f32 = Math.fround;
  const weight = graph.weight;
  const edgeCount = graph.edgeCount;
  const head = edgeCount % 4;
  sum[0] = 0;
  // The odd edges first, so that nothing follows the long loop (see the note in DinicSolver.load).
  for (let e = 0; e < head; e++) sum[0] += weight[e];
  for (let e = head; e < edgeCount; e += 4) {
    let s = sum[0];
    s = f32(s + weight[e]);
    s = f32(s + weight[e + 1]);
    s = f32(s + weight[e + 2]);
    sum[0] = s + weight[e + 3];
  }
}

/** Runs a fresh gate once and returns its result in the reference's shape. */
function gateOnce(logits: Float32Array, seqLen: number, options: GateOptions): GatingResult {
  checkSquare(logits, seqLen);
  const gate = new MinCutGate(seqLen, options);
  gate.apply(logits);
  return {
    keep_mask: gate.keepMask,
    cut_cost: gate.cutCost,
    edges_kept: gate.edgesKept,
    edges_total: gate.edgesTotal,
  };
}

/**
 * Dinic max-flow / min-cut on an {@link AttentionGraph}, reproducing the reference `DinicSolver`
 * (ruvector.md §1.3) bit for bit: f32 capacities, a forward and a zero-capacity reverse arc per
 * edge with adjacency in insertion order, BFS levels, and augmenting DFS from s that follows arcs
 * with capacity > 0 to the next level, carrying the bottleneck from `f32::MAX / 2`. The DFS is
 * iterative (an explicit path stack, so seq_len 2048 needs no deep recursion) but visits arcs in
 * exactly the recursive order, so every f32 rounding happens as in the reference. After max flow
 * a last BFS gives S, the minimal source side; the cut is every edge from S to outside S.
 *
 * All buffers are allocated by the constructor for a maximum size and reused by every call. The
 * floating-point state of a solve (flow, rounding slack, the limit and the cost) lives in typed
 * arrays, not in local variables carried around a loop, returned or passed as arguments: V8 boxes
 * such a number on the heap (16 bytes) wherever the JIT did not inline the call, and its mid tier
 * (Maglev) boxes every floating-point loop variable at each iteration, so only typed-array slots
 * keep {@link DinicSolver.solve} free of allocation in every tier.
 *
 * @example
 * ```ts
 * import { graphFromLogits } from "./graph.ts";
 * import { minCut } from "./dinic.ts";
 * const g = graphFromLogits(new Float32Array([0, 3.5, 0, 0]), 2);
 * minCut(g, 0, 1); // { cut_edges: [[0, 1]], cut_cost: 3.5, keep_mask: [false] }
 * ```
 * @module
 */
import type { AttentionGraph } from "./graph.ts";

/** A min cut as the reference reports it; `keep_mask[e]` is false exactly for cut edges. */
export interface CutResult {
  /** (src, dst) of every edge from S to outside S, in edge order. */
  cut_edges: [number, number][];
  /** f32 sum of the cut edges' weights, in edge order. */
  cut_cost: number;
  /** One entry per graph edge. */
  keep_mask: boolean[];
}

/** The flow every augmenting DFS starts with: f32::MAX / 2. */
const START_FLOW = Math.fround(3.4028234663852886e38 / 2);
/** Twice f32's unit roundoff 2⁻²⁴: bounds a rounding error relative to the rounded value. */
const ROUNDOFF = 2 ** -23;
/** Twice the largest absolute rounding error in f32's subnormal range (2⁻¹⁵⁰). */
const SUBNORMAL = 2 ** -148;
/** Bounds the relative error of one f64 addition to the running flow total. */
const F64_ROUNDOFF = 2 ** -52;
/** Slots of the solver's f64 work array: the flow pushed so far and its accumulated rounding slack. */
const FLOW = 0, SLACK = 1;
/** Slots of the last augmenting path: its bottleneck (the flow it pushed) and its residual mass. */
const PUSHED = 2, MASS = 3;

/**
 * A reusable Dinic solver sized for up to `maxNodes` nodes and `maxEdges` edges.
 *
 * @example
 * ```ts
 * const solver = new DinicSolver(2, 4);
 * solver.load(graphFromLogits(new Float32Array([0, 3.5, 0, 0]), 2));
 * solver.cut(0, 1); // 3.5, and solver.sourceSide = [1, 0]
 * solver.cut(0, 1, 1); // Infinity: the flow proves the cut costs more than 1
 * solver.limit[0] = 4;
 * solver.solve(0, 1); // solver.cost[0] = 3.5, nothing allocated
 * ```
 */
export class DinicSolver {
  /** After a completed {@link DinicSolver.cut}: 1 for nodes in S, 0 otherwise. */
  readonly sourceSide: Uint8Array;
  /** `limit[0]`: the early-exit limit {@link DinicSolver.solve} reads. */
  readonly limit: Float64Array;
  /** `cost[0]`: the cut cost {@link DinicSolver.solve} writes (`Infinity` after an early exit). */
  readonly cost: Float64Array;
  /** Bytes of all buffers this solver holds (equals {@link dinicBytes} of its sizes). */
  readonly byteLength: number;
  #graph: AttentionGraph | undefined;
  readonly #start: Int32Array;
  readonly #current: Int32Array;
  readonly #level: Int32Array;
  readonly #queue: Int32Array;
  readonly #pathNode: Int32Array;
  readonly #pathArc: Int32Array;
  readonly #to: Int32Array;
  readonly #pair: Int32Array;
  readonly #cap: Float32Array;
  readonly #forward: Int32Array;
  /** f64 state of a solve: the FLOW, SLACK, PUSHED and MASS slots. */
  readonly #work: Float64Array;
  /** The f32 running sum of the cut's weights. */
  readonly #costSum: Float32Array;

  /** Allocates every buffer for graphs of up to `maxNodes` nodes and `maxEdges` edges. */
  constructor(maxNodes: number, maxEdges: number) {
    this.sourceSide = new Uint8Array(maxNodes);
    this.limit = new Float64Array(1);
    this.cost = new Float64Array(1);
    this.#start = new Int32Array(maxNodes + 1);
    this.#current = new Int32Array(maxNodes);
    this.#level = new Int32Array(maxNodes);
    this.#queue = new Int32Array(maxNodes);
    this.#pathNode = new Int32Array(maxNodes);
    this.#pathArc = new Int32Array(maxNodes);
    this.#to = new Int32Array(2 * maxEdges);
    this.#pair = new Int32Array(2 * maxEdges);
    this.#cap = new Float32Array(2 * maxEdges);
    this.#forward = new Int32Array(maxEdges);
    this.#work = new Float64Array(4);
    this.#costSum = new Float32Array(1);
    this.byteLength = [
      this.sourceSide,
      this.limit,
      this.cost,
      this.#start,
      this.#current,
      this.#level,
      this.#queue,
      this.#pathNode,
      this.#pathArc,
      this.#to,
      this.#pair,
      this.#cap,
      this.#forward,
      this.#work,
      this.#costSum,
    ].reduce((sum, buffer) => sum + buffer.byteLength, 0);
  }

  /**
   * Builds the residual network's structure for `graph` (kept by reference until the next load):
   * edge e gets a forward arc in src's adjacency and a reverse arc in dst's, in edge order.
   */
  load(graph: AttentionGraph): void {
    const n = graph.nodes;
    const m = graph.edgeCount;
    if (n > this.#level.length || m > this.#forward.length) {
      throw new RangeError(
        `graph has ${n} nodes and ${m} edges, expected at most ${this.#level.length} and ${this.#forward.length}`,
      );
    }
    // Every property access comes before the long loops: V8 compiles a loop on the stack (OSR)
    // during the first call, before code after it has run and left type feedback, and that
    // compiled loop would deoptimise at such an access in every call until the whole function
    // is optimised.
    this.#graph = graph;
    const { src, dst } = graph;
    const start = this.#start;
    const next = this.#current;
    const to = this.#to;
    const pair = this.#pair;
    const forward = this.#forward;
    start.fill(0, 0, n + 1);
    for (let e = 0; e < m; e++) {
      start[src[e] + 1]++;
      start[dst[e] + 1]++;
    }
    for (let u = 0; u < n; u++) {
      start[u + 1] += start[u];
      next[u] = start[u];
    }
    for (let e = 0; e < m; e++) {
      const a = next[src[e]]++;
      const b = next[dst[e]]++;
      to[a] = dst[e];
      to[b] = src[e];
      pair[a] = b;
      pair[b] = a;
      forward[e] = a;
    }
  }

  /**
   * Max flow from `s` to `t` on the loaded graph, then the minimal source side S into
   * {@link DinicSolver.sourceSide}; returns the f32 sum, in edge order, of the original weights of
   * the edges from S to outside S (the reference's `cut_cost`).
   *
   * Early exit: when the flow pushed so far proves that this cost is above `limit`, it stops and
   * returns `Infinity` (S is then not computed). The proof allows for all f32 rounding: a pushed
   * flow F with accumulated rounding error E (bounded per arc update by 2⁻²⁴ of the stored value)
   * gives exact capacity ≥ F − E across every s–t cut, and an f32 sum of k ≤ m positive weights is
   * at least (1 − k·2⁻²⁴) of the exact sum; both bounds are used with a factor 2 of slack. So an
   * early exit happens only where the full computation would also return a cost above `limit`.
   */
  cut(s: number, t: number, limit: number = Infinity): number {
    this.limit[0] = limit;
    this.solve(s, t);
    return this.cost[0];
  }

  /**
   * {@link DinicSolver.cut} for hot paths: the limit is read from `limit[0]` and the cost written
   * to `cost[0]`, so no floating-point number crosses a call and nothing is allocated.
   */
  solve(s: number, t: number): void {
    const graph = this.#graph;
    if (graph === undefined) throw new Error("no graph loaded: call load(graph) before cut(s, t)");
    checkTerminals(s, t, graph.nodes);
    this.#resetCapacities(graph);
    const work = this.#work;
    work[FLOW] = 0;
    work[SLACK] = 0;
    for (this.#levelize(s, graph.nodes); this.#level[t] >= 0; this.#levelize(s, graph.nodes)) {
      this.#resetCurrentArcs(graph.nodes);
      for (let depth = this.#augment(s, t); depth > 0; depth = this.#augment(s, t)) {
        this.#push(depth);
        work[FLOW] += work[PUSHED];
        work[SLACK] += work[MASS] * ROUNDOFF + 2 * depth * SUBNORMAL + work[FLOW] * F64_ROUNDOFF;
        if (this.#provesAbove(graph.edgeCount)) {
          this.cost[0] = Infinity;
          return;
        }
      }
    }
    // The BFS that found t unreachable is the reference's final BFS: its levels mark S.
    this.#sourceSideCost(graph);
  }

  #resetCapacities(graph: AttentionGraph): void {
    const { weight, edgeCount } = graph;
    const cap = this.#cap;
    const forward = this.#forward;
    cap.fill(0, 0, 2 * edgeCount);
    for (let e = 0; e < edgeCount; e++) cap[forward[e]] = weight[e];
  }

  #resetCurrentArcs(n: number): void {
    const start = this.#start;
    const current = this.#current;
    for (let u = 0; u < n; u++) current[u] = start[u];
  }

  /** BFS from s over arcs with capacity > 0; unreached nodes get level -1. */
  #levelize(s: number, n: number): void {
    const level = this.#level;
    const queue = this.#queue;
    const start = this.#start;
    const to = this.#to;
    const cap = this.#cap;
    level.fill(-1, 0, n);
    level[s] = 0;
    queue[0] = s;
    let tail = 1;
    for (let head = 0; head < tail; head++) {
      const u = queue[head];
      const next = level[u] + 1;
      for (let a = start[u], end = start[u + 1]; a < end; a++) {
        const v = to[a];
        if (cap[a] > 0 && level[v] < 0) {
          level[v] = next;
          queue[tail++] = v;
        }
      }
    }
  }

  /**
   * One augmenting DFS from s along the level graph, as the recursive reference does it: advance
   * a node's current arc only when the subtree behind it failed. Returns the path's length in arcs,
   * left in `#pathArc`, or 0 when t is unreachable (s ≠ t, so a path has at least one arc).
   */
  #augment(s: number, t: number): number {
    const start = this.#start;
    const current = this.#current;
    const level = this.#level;
    const to = this.#to;
    const cap = this.#cap;
    const pathNode = this.#pathNode;
    const pathArc = this.#pathArc;
    let depth = 0;
    let u = s;
    while (u !== t) {
      const end = start[u + 1];
      const want = level[u] + 1;
      let a = current[u];
      while (a < end && !(cap[a] > 0 && level[to[a]] === want)) a++;
      current[u] = a;
      if (a < end) {
        pathNode[depth] = u;
        pathArc[depth] = a;
        depth++;
        u = to[a];
      } else if (depth === 0) {
        return 0;
      } else {
        depth--;
        u = pathNode[depth];
        current[u]++;
      }
    }
    return depth;
  }

  /**
   * Pushes the bottleneck of the path of `depth` arcs: f32 updates of each arc and its pair. Leaves
   * the bottleneck in the PUSHED slot and the path's residual mass (its 2·depth updated arcs) in MASS.
   */
  #push(depth: number): void {
    const cap = this.#cap;
    const pair = this.#pair;
    const pathArc = this.#pathArc;
    const work = this.#work;
    work[PUSHED] = START_FLOW;
    for (let i = 0; i < depth; i++) {
      const c = cap[pathArc[i]];
      if (c < work[PUSHED]) work[PUSHED] = c;
    }
    const bottleneck = work[PUSHED];
    work[MASS] = 0;
    for (let i = 0; i < depth; i++) {
      const a = pathArc[i];
      const b = pair[a];
      cap[a] -= bottleneck;
      cap[b] += bottleneck;
      work[MASS] += cap[a] + cap[b];
    }
  }

  /** True when the flow F with rounding slack E proves every s–t cut of `edges` edges above the limit. */
  #provesAbove(edges: number): boolean {
    const work = this.#work;
    const certain = (work[FLOW] - work[SLACK]) * Math.max(0, 1 - edges * ROUNDOFF) - edges * SUBNORMAL;
    return certain > this.limit[0];
  }

  /** Marks S from the last BFS; `cost[0]` = the f32 sum, in edge order, of the weights leaving it. */
  #sourceSideCost(graph: AttentionGraph): void {
    const src = graph.src, dst = graph.dst, weight = graph.weight;
    const edgeCount = graph.edgeCount, nodes = graph.nodes;
    const level = this.#level;
    const side = this.sourceSide;
    const sum = this.#costSum;
    for (let u = 0; u < nodes; u++) side[u] = level[u] >= 0 ? 1 : 0;
    sum[0] = 0;
    // A Float32Array store rounds to f32: `sum[0] += w` is `sum = Math.fround(sum + w)`.
    for (let e = 0; e < edgeCount; e++) {
      if (side[src[e]] === 1 && side[dst[e]] === 0) sum[0] += weight[e];
    }
    this.cost[0] = sum[0];
  }
}

/**
 * Bytes a `new DinicSolver(maxNodes, maxEdges)` allocates.
 *
 * @example
 * ```ts
 * dinicBytes(2, 4); // 218
 * ```
 */
export function dinicBytes(maxNodes: number, maxEdges: number): number {
  const scalars = 8 + 8 + 4 * 8 + 4; // limit, cost, the f64 work slots, the f32 cost sum
  return maxNodes + 4 * (maxNodes + 1) + 5 * 4 * maxNodes + 28 * maxEdges + scalars;
}

/**
 * The reference `DinicSolver::min_cut(graph, s, t)`: the cut edges as (src, dst) pairs in edge
 * order, their f32 cost and a per-edge keep mask. Allocates a solver for this one call.
 *
 * @example
 * ```ts
 * const g = graphFromLogits(new Float32Array([0, 5, 4, 0, 0, 0, 2, 3, 0, 0, 0, 6, 0, 0, 0, 0]), 4);
 * minCut(g, 0, 3).cut_cost; // 9
 * ```
 */
export function minCut(graph: AttentionGraph, s: number, t: number): CutResult {
  const solver = new DinicSolver(graph.nodes, graph.edgeCount);
  solver.load(graph);
  const cut_cost = solver.cut(s, t);
  const side = solver.sourceSide;
  const cut_edges: [number, number][] = [];
  const keep_mask: boolean[] = [];
  for (let e = 0; e < graph.edgeCount; e++) {
    const cut = side[graph.src[e]] === 1 && side[graph.dst[e]] === 0;
    if (cut) cut_edges.push([graph.src[e], graph.dst[e]]);
    keep_mask.push(!cut);
  }
  return { cut_edges, cut_cost, keep_mask };
}

/** The reference's assertions `s < nodes`, `t < nodes`, `s != t`, as RangeErrors. */
function checkTerminals(s: number, t: number, nodes: number): void {
  checkNode("s", s, nodes);
  checkNode("t", t, nodes);
  if (s === t) throw new RangeError(`s and t are both ${s}, expected two different nodes`);
}

/** Throws unless `node` is an integer in [0, nodes). */
function checkNode(name: string, node: number, nodes: number): void {
  if (!Number.isInteger(node) || node < 0 || node >= nodes) {
    throw new RangeError(`${name} is ${node}, expected an integer node in [0, ${nodes})`);
  }
}

/**
 * The attention graph of a logits matrix (ruvector.md §1.2): one directed edge i → j per entry
 * above a floor, in row-major order, self-loops included. Stored as parallel typed arrays sized
 * for the dense worst case (`nodes²` edges), so it is allocated once and refilled per call.
 *
 * @example
 * ```ts
 * import { graphFromLogits } from "./graph.ts";
 * const g = graphFromLogits(new Float32Array([1, -0.5, 0, 2]), 2);
 * g.edgeCount; // 2
 * [g.src[1], g.dst[1], g.weight[1]]; // [1, 1, 2]
 * ```
 * @module
 */

/** A directed graph on `nodes` tokens; edge e is `src[e] → dst[e]` with f32 `weight[e]`. */
export interface AttentionGraph {
  /** Number of tokens. */
  readonly nodes: number;
  /** Edges in use; entries at and after this index are stale. */
  edgeCount: number;
  /** Source token of each edge (the query). */
  readonly src: Int32Array;
  /** Destination token of each edge (the key). */
  readonly dst: Int32Array;
  /** The logit of each edge. */
  readonly weight: Float32Array;
}

/**
 * An empty graph with room for the `nodes²` edges of a dense logits matrix.
 *
 * @example
 * ```ts
 * createGraph(3).src.length; // 9
 * ```
 */
export function createGraph(nodes: number): AttentionGraph {
  const capacity = nodes * nodes;
  return {
    nodes,
    edgeCount: 0,
    src: new Int32Array(capacity),
    dst: new Int32Array(capacity),
    weight: new Float32Array(capacity),
  };
}

/**
 * Bytes `createGraph(nodes)` allocates.
 *
 * @example
 * ```ts
 * graphBytes(2); // 48
 * ```
 */
export function graphBytes(nodes: number): number {
  return nodes * nodes * 12;
}

/**
 * Refills `graph` with an edge (i, j, logit) for every entry of the `nodes × nodes` row-major
 * `logits` that is strictly above `floor` (NaN never is), in row-major order.
 *
 * @example
 * ```ts
 * const g = createGraph(2);
 * fillGraph(g, new Float32Array([0.005, 0.2, -0.3, 0.01]), 0.01);
 * g.edgeCount; // 1 (0 → 1 with weight 0.2)
 * ```
 */
export function fillGraph(graph: AttentionGraph, logits: Float32Array, floor: number): void {
  checkSquare(logits, graph.nodes);
  graph.edgeCount = fillEdges(graph, logits, floor);
}

/**
 * The edges of {@link fillGraph} into the graph's arrays; returns their count. (Storing the count
 * is left to the caller: V8 compiles these loops on the stack during the first call, before code
 * after them has left type feedback, and a property store there would deoptimise every call.)
 */
function fillEdges(graph: AttentionGraph, logits: Float32Array, floor: number): number {
  const n = graph.nodes;
  const src = graph.src, dst = graph.dst, weight = graph.weight;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) {
      // Branch-free: every entry is written at `count`, which moves past it only when it is an
      // edge (count ≤ row + j, so this stays in bounds; a branch is mispredicted half the time).
      const w = logits[row + j];
      src[count] = i;
      dst[count] = j;
      weight[count] = w;
      count += Number(w > floor);
    }
  }
  return count;
}

/**
 * The reference `graph_from_logits`: an edge for every logit strictly greater than 0. Throws a
 * RangeError starting with the reference's panic text `logits length must equal seq_len^2` when
 * `logits.length !== seqLen²`.
 *
 * @example
 * ```ts
 * graphFromLogits(new Float32Array([1, 0.5, 0, 0, 1, 0.5, 0, 0, 1]), 3).edgeCount; // 5
 * graphFromLogits(new Float32Array(2), 3); // throws RangeError
 * ```
 */
export function graphFromLogits(logits: Float32Array, seqLen: number): AttentionGraph {
  checkSquare(logits, seqLen);
  const graph = createGraph(seqLen);
  fillGraph(graph, logits, 0);
  return graph;
}

/**
 * Throws the reference's `logits length must equal seq_len^2` (with what was found and expected)
 * unless `logits` holds `seqLen²` values.
 *
 * @example
 * ```ts
 * checkSquare(new Float32Array(4), 2); // ok
 * checkSquare(new Float32Array(2), 3); // RangeError: logits length must equal seq_len^2: found 2, expected 9 (seq_len 3)
 * ```
 */
export function checkSquare(logits: Float32Array, seqLen: number): void {
  if (logits.length !== seqLen * seqLen) {
    throw new RangeError(
      `logits length must equal seq_len^2: found ${logits.length}, expected ${
        seqLen * seqLen
      } (seq_len ${seqLen})`,
    );
  }
}

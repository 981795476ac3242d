import { describe, expect, test } from "bun:test";
import { dinicBytes, DinicSolver, minCut } from "../kernels/mincut/dinic.ts";
import type { AttentionGraph } from "../kernels/mincut/graph.ts";

type Edge = [number, number, number];

/** A graph from an explicit edge list (the reference tests build graphs by hand). */
function graph(nodes: number, list: Edge[]): AttentionGraph {
  return {
    nodes,
    edgeCount: list.length,
    src: Int32Array.from(list, (e) => e[0]),
    dst: Int32Array.from(list, (e) => e[1]),
    weight: Float32Array.from(list, (e) => e[2]),
  };
}

const fourNode = graph(4, [[0, 1, 5], [0, 2, 4], [1, 3, 3], [2, 3, 6], [1, 2, 2]]);

describe("minCut (ruvector §1.3 DinicSolver vectors)", () => {
  test("4-node graph, s=0 t=3", () => {
    expect(minCut(fourNode, 0, 3)).toEqual({
      cut_edges: [[0, 1], [0, 2]],
      cut_cost: 9,
      keep_mask: [false, false, true, true, true],
    });
  });

  test("4-node graph, s=1 t=2", () => {
    expect(minCut(fourNode, 1, 2)).toEqual({
      cut_edges: [[1, 2]],
      cut_cost: 2,
      keep_mask: [true, true, true, true, false],
    });
  });

  test("2-node graph", () => {
    expect(minCut(graph(2, [[0, 1, 3.5]]), 0, 1)).toEqual({
      cut_edges: [[0, 1]],
      cut_cost: 3.5,
      keep_mask: [false],
    });
  });

  test("chain with self-loops", () => {
    const chain = graph(3, [[0, 0, 1], [0, 1, 0.5], [1, 1, 1], [1, 2, 0.5], [2, 2, 1]]);
    const result = minCut(chain, 0, 2);
    expect(result.cut_edges).toEqual([[0, 1]]);
    expect(result.cut_cost).toBe(0.5);
    expect(result.keep_mask).toEqual([true, false, true, true, true]);
  });

  test("no s→t path: empty cut of cost 0", () => {
    expect(minCut(graph(3, [[1, 0, 1], [2, 1, 1]]), 0, 2)).toEqual({
      cut_edges: [],
      cut_cost: 0,
      keep_mask: [true, true],
    });
  });

  test("the reference's assertions become RangeErrors saying what was expected", () => {
    expect(() => minCut(fourNode, 0, 4)).toThrow("t is 4, expected an integer node in [0, 4)");
    expect(() => minCut(fourNode, 2, 2)).toThrow("s and t are both 2");
  });
});

describe("DinicSolver", () => {
  test("reused across graphs and terminals; byteLength matches dinicBytes", () => {
    const solver = new DinicSolver(4, 5);
    expect(solver.byteLength).toBe(dinicBytes(4, 5));
    solver.load(fourNode);
    expect(solver.cut(0, 3)).toBe(9);
    expect(Array.from(solver.sourceSide)).toEqual([1, 0, 0, 0]);
    expect(solver.cut(1, 2)).toBe(2);
    solver.load(graph(2, [[0, 1, 3.5]]));
    expect(solver.cut(0, 1)).toBe(3.5);
    expect(Array.from(solver.sourceSide.subarray(0, 2))).toEqual([1, 0]);
  });

  test("rejects graphs above its sizes and a cut before any load", () => {
    expect(() => new DinicSolver(2, 2).cut(0, 1)).toThrow("no graph loaded");
    expect(() => new DinicSolver(3, 2).load(fourNode)).toThrow(
      "graph has 4 nodes and 5 edges, expected at most 3 and 2",
    );
  });

  test("early exit: Infinity only when the flow proves the cost above the limit", () => {
    const solver = new DinicSolver(4, 5);
    solver.load(fourNode);
    expect(solver.cut(0, 3, 8)).toBe(Infinity);
    expect(solver.cut(0, 3, 9)).toBe(9);
    expect(solver.cut(0, 3, Math.fround(9 * (1 - 2 ** -20)))).toBe(9);
  });

  test("matches a recursive port of the reference bit for bit on random f32 graphs", () => {
    const random = lcg(7);
    for (let trial = 0; trial < 300; trial++) {
      const n = 2 + Math.floor(random() * 11);
      const g = randomGraph(n, random);
      const solver = new DinicSolver(n, n * n);
      solver.load(g);
      const t = 1 + Math.floor(random() * (n - 1));
      const expected = recursiveDinic(g, 0, t);
      expect(solver.cut(0, t)).toBe(expected.cost);
      expect(Array.from(solver.sourceSide)).toEqual(expected.side);
    }
  });

  test("early exit never changes a result: a cut at or under the limit is still returned exactly", () => {
    const random = lcg(11);
    for (let trial = 0; trial < 300; trial++) {
      const n = 2 + Math.floor(random() * 11);
      const g = randomGraph(n, random);
      const solver = new DinicSolver(n, n * n);
      solver.load(g);
      const cost = solver.cut(0, n - 1);
      for (const limit of [cost, Math.fround(cost * (1 + 2 ** -23)), cost * 1.001, cost * 2]) {
        expect(solver.cut(0, n - 1, limit)).toBe(cost);
      }
      const below = solver.cut(0, n - 1, Math.fround(cost * (1 - 2 ** -22)));
      expect(below === cost || below === Infinity).toBe(true);
      if (cost > 0) expect(solver.cut(0, n - 1, cost / 2)).toBe(Infinity);
    }
  });
});

/** Deterministic uniform [0, 1) numbers. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** A dense-ish random graph with f32 weights spread over several binades, so rounding happens. */
function randomGraph(n: number, random: () => number): AttentionGraph {
  const logits = new Float32Array(n * n);
  for (let i = 0; i < logits.length; i++) {
    logits[i] = random() < 0.45 ? 0 : Math.fround(random() ** 3 * 10 + random() * 1e-3);
  }
  const list: Edge[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (logits[i * n + j] > 0) list.push([i, j, logits[i * n + j]]);
  }
  return graph(n, list);
}

interface Arc {
  to: number;
  cap: number;
  rev: number;
}

/** An independent, recursive transcription of the reference DinicSolver (§1.3) as an oracle. */
function recursiveDinic(g: AttentionGraph, s: number, t: number): { cost: number; side: number[] } {
  const adj: Arc[][] = Array.from({ length: g.nodes }, () => []);
  for (let e = 0; e < g.edgeCount; e++) {
    const [u, v] = [g.src[e], g.dst[e]];
    adj[u].push({ to: v, cap: g.weight[e], rev: adj[v].length });
    adj[v].push({ to: u, cap: 0, rev: adj[u].length - 1 });
  }
  const bfs = (): number[] => {
    const level = new Array(g.nodes).fill(-1);
    level[s] = 0;
    const queue = [s];
    while (queue.length > 0) {
      const u = queue.shift()!;
      for (const arc of adj[u]) {
        if (arc.cap > 0 && level[arc.to] < 0) {
          level[arc.to] = level[u] + 1;
          queue.push(arc.to);
        }
      }
    }
    return level;
  };
  let level = bfs();
  while (level[t] >= 0) {
    const it = new Array(g.nodes).fill(0);
    const dfs = (u: number, f: number): number => {
      if (u === t) return f;
      while (it[u] < adj[u].length) {
        const arc = adj[u][it[u]];
        if (arc.cap > 0 && level[arc.to] === level[u] + 1) {
          const d = dfs(arc.to, Math.min(f, arc.cap));
          if (d > 0) {
            arc.cap = Math.fround(arc.cap - d);
            adj[arc.to][arc.rev].cap = Math.fround(adj[arc.to][arc.rev].cap + d);
            return d;
          }
        }
        it[u]++;
      }
      return 0;
    };
    while (dfs(s, Math.fround(3.4028234663852886e38 / 2)) > 0);
    level = bfs();
  }
  const side = level.map((l) => (l >= 0 ? 1 : 0));
  let cost = 0;
  for (let e = 0; e < g.edgeCount; e++) {
    if (side[g.src[e]] === 1 && side[g.dst[e]] === 0) cost = Math.fround(cost + g.weight[e]);
  }
  return { cost, side };
}

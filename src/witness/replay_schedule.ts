/**
 * Hands a witness check's cases to the lanes that re-run them — this thread alone, or worker
 * threads — one case at a time per lane, and picks the outcome the sequential check would give:
 * the failure on the earliest line in bundle order, whichever lane found it and whenever.
 *
 * On one lane the cases go in bundle order, so a failure is met as soon as the sequential check
 * would meet it. On several they go heaviest chain first (ties: bundle order) and, within a
 * chain, heaviest case first: each free lane takes the next case, so the lanes finish within
 * about one case of each other, and chains complete one after another, for progress.
 *
 * @example
 * ```ts
 * import { replayOrder, runReplays } from "./replay_schedule.ts";
 * const failure = await runReplays(replayOrder(scan.cases, cost, 2), lanes, (c) => done(c));
 * ```
 * @module
 */
import os from "node:os";
import type { CasePlan } from "../case_plan.ts";
import type { ReplayFailure } from "./case_replay.ts";
import type { CaseLines } from "./chain_scan.ts";

/** Somewhere a case can be re-run: this thread, or a worker thread. */
export interface ReplayLane {
  /** Re-runs one case's lines in order; resolves with its first failure, if any (never rejects). */
  replay(c: CaseLines): Promise<ReplayFailure | undefined>;
  /**
   * False once the lane can take no more cases: its thread ended, and it has answered a case
   * with that as the failure (so a lane never ends unheard).
   */
  readonly alive: boolean;
}

/**
 * Work (in {@link replayCost}'s units, flops) below which the re-run stays on this thread unless
 * threads are asked for: a thread takes 0.3–0.5 s to start on Deno, and near this much work two
 * threads and one take about as long (the min-cut study's seq_len 256 cases alone, 1.3·10⁹ on a
 * 2-core machine: 0.5 s against 0.6 s on Deno, 0.43 s either way on Bun). A study of short
 * sequences re-runs in milliseconds.
 */
export const MIN_THREADED_WORK = 1e9;

/**
 * How many lanes to re-run on: `requested` threads, or by default one per core — but one (this
 * thread, no worker) when `work` is under {@link MIN_THREADED_WORK} — and at most one per chain.
 *
 * @example
 * ```ts
 * replayThreads(undefined, 14, 2.3e10); // os.availableParallelism(), at most 14
 * replayThreads(undefined, 6, 5e5); // 1
 * replayThreads(3, 2, 0); // 2
 * ```
 */
export function replayThreads(requested: number | undefined, chains: number, work: number): number {
  const wanted = requested ?? (work < MIN_THREADED_WORK ? 1 : os.availableParallelism());
  return Math.max(1, Math.min(wanted, chains));
}

/**
 * The expected cost of re-running `lines` samples of case `c`: its kernel's flops per call
 * (else seq_len² × width, the size of its score matrix) times the samples.
 *
 * @example
 * ```ts
 * replayCost(c, 8); // 8 × 4·n²·d for a mincut case
 * ```
 */
export function replayCost(c: CasePlan, lines: number): number {
  const flops = c.kernel.definition.flops?.(c.params as never);
  return lines * (flops ?? c.shape.seq_len ** 2 * c.shape.q_width);
}

/**
 * The order to start `cases` in on `lanes` lanes, given each case's expected cost.
 *
 * @example
 * ```ts
 * replayOrder(scan.cases, (c) => replayCost(byHash.get(c.config_hash)!, c.lines.length), 2);
 * ```
 */
export function replayOrder(
  cases: readonly CaseLines[],
  cost: (c: CaseLines) => number,
  lanes: number,
): CaseLines[] {
  const first = (c: CaseLines) => c.lines[0].ordinal;
  if (lanes <= 1) return [...cases].sort((a, b) => first(a) - first(b));
  const costs = new Map(cases.map((c) => [c, cost(c)]));
  const chainCost = new Map<number, number>();
  for (const c of cases) chainCost.set(c.chain, (chainCost.get(c.chain) ?? 0) + costs.get(c)!);
  return [...cases].sort((a, b) =>
    chainCost.get(b.chain)! - chainCost.get(a.chain)! || a.chain - b.chain ||
    costs.get(b)! - costs.get(a)! || first(a) - first(b)
  );
}

/**
 * Re-runs `queue` on `lanes` and returns the failure on the earliest line (lowest ordinal), or
 * `undefined` when every case matched. Once a failure is known, no case that starts after it is
 * begun, and the answer comes as soon as no running or queued case starts before it (a running
 * one is left to the caller to stop). When every lane has ended, the earliest failure found is
 * the answer. `onCase` hears of each case that matched, while no failure is known. A lane that
 * rejects (a bug, not a mismatch), or `onCase` throwing, rejects the whole.
 *
 * @example
 * ```ts
 * await runReplays(queue, [{ alive: true, replay: (c) => replayCase(plan, byHash.get(c.config_hash)!, c.lines, "deno") }], () => {});
 * ```
 */
export function runReplays(
  queue: readonly CaseLines[],
  lanes: readonly ReplayLane[],
  onCase: (c: CaseLines) => void,
): Promise<ReplayFailure | undefined> {
  const starts = (c: CaseLines) => c.lines[0].ordinal;
  let best: ReplayFailure | undefined;
  const wanted = (c: CaseLines) => best === undefined || starts(c) < best.ordinal;
  const running = new Map<ReplayLane, CaseLines>();
  let next = 0;
  return new Promise((resolve, reject) => {
    const pump = () => {
      for (const lane of lanes) {
        if (running.has(lane) || !lane.alive) continue;
        while (next < queue.length && !wanted(queue[next])) next++;
        if (next === queue.length) break;
        const c = queue[next++];
        running.set(lane, c);
        lane.replay(c).then((failure) => {
          running.delete(lane);
          if (failure && (best === undefined || failure.ordinal < best.ordinal)) best = failure;
          else if (!failure && best === undefined) onCase(c);
          pump();
        }).catch(reject);
      }
      const waiting = [...running.values()].some(wanted) || (queue.slice(next).some(wanted) &&
        lanes.some((lane) => lane.alive));
      if (!waiting) resolve(best);
    };
    pump();
  });
}

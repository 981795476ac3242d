/**
 * Which shard runs which case: a deterministic slice of a plan, the same on every machine and
 * runtime, for `--shard i/N` and `merge`.
 *
 * Cases are first grouped into **units**: a baseline case with every kernel case compared with it
 * (so a study's pairs always run in one process), else a case alone. Each unit's cost is estimated
 * from the spec's budget and the kernel's analytic `flops()` (else its `memory()` bytes) at a nominal
 * 1 GFLOP/s (1 GB/s), and units go, heaviest first, to the shard with the least estimated work so far
 * (ties: the unit's first config hash, then the lower shard). Only the plan decides: config hashes,
 * flops and the budget are the same everywhere, and floating-point sums in the same order are too.
 *
 * @example
 * ```ts
 * import { assignShards, selectRunCases } from "./assign.ts";
 * const owners = assignShards(plan.cases, 3); // Map: config hash → 1, 2 or 3
 * selectRunCases(plan, [], { count: 3, indices: [2] }); // the cases shard 2 of 3 runs
 * ```
 * @module
 */
import type { CasePlan } from "../case_plan.ts";
import { type RunPlan, selectPlannedCases } from "../plan.ts";
import type { Budget } from "../spec/schema.ts";
import { warmUpMinimumMs } from "../measure/warmup.ts";

/** Which shards of how many: one shard for a shard run, the shards present for a merged run. */
export interface ShardSelection {
  count: number;
  /** 1-based shard numbers. */
  indices: number[];
}

/** Fixed cost estimated per case (worker hand-off, inputs, plugins, recording), ms. */
const CASE_OVERHEAD_MS = 50;
/** Nominal speed for the estimate: 1 flop per ns, or 1 byte per ns of the kernel's memory. */
const NS_PER_UNIT = 1;

/**
 * The estimated wall time of a case under the budget, ms: warm-up, the timed loop (its
 * `min_samples` at the nominal speed, or `min_time_ms`, whichever is longer) and the evaluation
 * samples.
 *
 * @example
 * ```ts
 * estimateCaseMs(c, spec.bench, spec.inputs.samples); // 352.4
 * ```
 */
export function estimateCaseMs(c: CasePlan, budget: Budget, evalSamples: number): number {
  const definition = c.kernel.definition;
  const memory = definition.memory?.(c.params as never);
  const work = definition.flops?.(c.params as never) ??
    (memory ? memory.kv_cache_bytes + memory.activation_bytes + memory.temp_buffer_bytes : 0);
  const callMs = (work * NS_PER_UNIT) / 1e6;
  const warm = budget.warmup === 0 ? 0 : Math.max(budget.warmup * callMs, warmUpMinimumMs(budget));
  const loop = Math.max(budget.min_samples * callMs, Math.min(budget.min_time_ms, budget.max_time_ms));
  return CASE_OVERHEAD_MS + warm + loop + evalSamples * callMs;
}

/**
 * The cases grouped into units that must run together, in plan order: a baseline case with the
 * kernel cases compared with it; any other case alone.
 *
 * @example
 * ```ts
 * shardUnits(plan.cases).length; // 5 for the min-cut study (one per sequence length)
 * ```
 */
export function shardUnits(cases: readonly CasePlan[]): CasePlan[][] {
  const units = new Map<string, CasePlan[]>();
  for (const c of cases) {
    const key = c.role === "baseline" ? c.config_hash : (c.baseline_hash ?? c.config_hash);
    const unit = units.get(key) ?? [];
    unit.push(c);
    units.set(key, unit);
  }
  return [...units.values()];
}

/**
 * The shard (1 … count) of every case, by config hash.
 *
 * @example
 * ```ts
 * assignShards(cases, 1).get(cases[0].config_hash); // 1
 * ```
 */
export function assignShards(
  cases: readonly CasePlan[],
  count: number,
  estimate: (c: CasePlan) => number = () => 1,
): Map<string, number> {
  const units = shardUnits(cases).map((unit) => ({
    unit,
    cost: unit.reduce((sum, c) => sum + estimate(c), 0),
    key: unit[0].config_hash,
  }));
  units.sort((a, b) => b.cost - a.cost || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const load = new Array<number>(count).fill(0);
  const owner = new Map<string, number>();
  for (const { unit, cost } of units) {
    let lightest = 0;
    for (let i = 1; i < count; i++) if (load[i] < load[lightest]) lightest = i;
    load[lightest] += cost;
    for (const c of unit) owner.set(c.config_hash, lightest + 1);
  }
  return owner;
}

/**
 * The cases `--filter` selects (with their baselines), in plan order, and the shard (1 … count)
 * of each, each case's cost estimated from the spec's budget.
 *
 * @example
 * ```ts
 * const { cases, owner } = shardPlan(plan, [], 3);
 * cases.filter((c) => owner.get(c.config_hash) === 2); // shard 2's cases
 * ```
 */
export function shardPlan(
  plan: RunPlan,
  filter: string[],
  count: number,
): { cases: CasePlan[]; owner: Map<string, number> } {
  const cases = selectPlannedCases(plan.cases, filter);
  const { bench, inputs } = plan.loaded.spec;
  return { cases, owner: assignShards(cases, count, (c) => estimateCaseMs(c, bench, inputs.samples)) };
}

/**
 * The cases a run measures: those `--filter` selects (with their baselines), and of those, the
 * selected shards' when the run is sharded.
 *
 * @example
 * ```ts
 * selectRunCases(plan, [], { count: 2, indices: [1] }).length; // about half the plan's cases
 * ```
 */
export function selectRunCases(plan: RunPlan, filter: string[], shard?: ShardSelection): CasePlan[] {
  if (!shard) return selectPlannedCases(plan.cases, filter);
  const { cases, owner } = shardPlan(plan, filter, shard.count);
  return cases.filter((c) => shard.indices.includes(owner.get(c.config_hash)!));
}

/**
 * `--resume`: whether an earlier run's folder may be continued with the spec as it is now, and
 * which cases it selected. A resume is refused (exit 2, naming the first difference) when the
 * spec no longer hashes the same — anything that shapes a measurement changed: kernel, grid,
 * inputs, budget, plugins and their options — when a case's config hash changed (a kernel's
 * version was bumped), or when the runtime differs. The description, `output` and the caps
 * `bench.timeout_ms` and `bench.memory_limit_mb` may change: raising a cap and resuming is how a
 * case that timed out gets its second chance.
 *
 * @example
 * ```ts
 * import { resumeSelection, specIdentitySha256 } from "./resume.ts";
 * await specIdentitySha256(plan.loaded.spec); // "9c1f…"
 * const { selected, warnings } = resumeSelection(previous, plan, []);
 * ```
 * @module
 */
import process from "node:process";
import { caseLabel } from "./case_info.ts";
import { SpecError } from "./errors.ts";
import { configHash } from "./hash.ts";
import { measurementBudget } from "./limits.ts";
import type { Manifest } from "./output/manifest.ts";
import type { CasePlan, RunPlan } from "./plan.ts";
import { selectRunCases, type ShardSelection } from "./shard/assign.ts";
import { gitCommit, runtimeInfo } from "./runtime.ts";
import type { Spec } from "./spec/schema.ts";
import { MANIFEST_SCHEMA_VERSION } from "./version.ts";

/**
 * The part of a spec a run's results depend on, as plain JSON.
 *
 * @example
 * ```ts
 * specIdentity(spec); // spec without description, output, bench.timeout_ms, bench.memory_limit_mb
 * ```
 */
export function specIdentity(spec: Spec): Record<string, unknown> {
  const { description: _description, output: _output, bench, ...rest } = spec;
  return JSON.parse(JSON.stringify({ ...rest, bench: measurementBudget(bench) }));
}

/**
 * SHA-256 of {@link specIdentity}'s canonical JSON.
 *
 * @example
 * ```ts
 * await specIdentitySha256(spec); // 64 hex digits
 * ```
 */
export function specIdentitySha256(spec: Spec): Promise<string> {
  return configHash(specIdentity(spec));
}

/** Where two JSON values first differ. */
export interface Difference {
  /** `bench.max_time_ms`, `params.seq_len[2]`, or `` for the whole value. */
  path: string;
  before: unknown;
  after: unknown;
}

/**
 * The first place two JSON values differ, depth first in key order, or `undefined` if equal.
 *
 * @example
 * ```ts
 * firstDifference({ a: { b: [1, 2] } }, { a: { b: [1, 3] } }); // { path: "a.b[1]", before: 2, after: 3 }
 * ```
 */
export function firstDifference(before: unknown, after: unknown, at = ""): Difference | undefined {
  if (Object.is(before, after)) return undefined;
  const bothArrays = Array.isArray(before) && Array.isArray(after);
  const bothObjects = isObject(before) && isObject(after);
  if (!bothArrays && !bothObjects) return { path: at, before, after };
  if (bothArrays) {
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      const found = firstDifference(before[i], after[i], `${at}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  const keys = [...new Set([...Object.keys(before as object), ...Object.keys(after as object)])].sort();
  for (const key of keys) {
    const found = firstDifference(
      (before as Record<string, unknown>)[key],
      (after as Record<string, unknown>)[key],
      at ? `${at}.${key}` : key,
    );
    if (found) return found;
  }
  return undefined;
}

/**
 * The cases of the run being resumed (its own `--filter` applied to today's plan), after checking
 * that it may be resumed; `warnings` says what changed that does not stop it (the git commit).
 *
 * @example
 * ```ts
 * const { selected } = resumeSelection(previous, plan, options.filter ?? []);
 * ```
 */
export function resumeSelection(
  previous: Manifest,
  plan: RunPlan,
  filter: string[],
  shard?: ShardSelection,
): { selected: CasePlan[]; warnings: string[] } {
  const refuse = (message: string) => new SpecError("RESUME_MISMATCH", `cannot resume ${message}`);
  if (previous.schema_version !== MANIFEST_SCHEMA_VERSION) {
    throw refuse(
      `this run: its manifest is format ${previous.schema_version}, written by another attnbench version (this one writes ${MANIFEST_SCHEMA_VERSION}); start a new run`,
    );
  }
  const env = runtimeInfo();
  const then = previous.environment;
  if (then.runtime !== env.runtime || then.version !== env.version) {
    throw refuse(
      `this run on ${env.runtime} ${env.version}: it was measured on ${then.runtime} ${then.version}; resume it there, or start a new run`,
    );
  }
  if (filter.length > 0 && JSON.stringify(filter) !== JSON.stringify(previous.filter)) {
    throw refuse(
      `with --filter ${filter.join(" ")}: a resume continues the run's own selection (${
        previous.filter.length ? `--filter ${previous.filter.join(" ")}` : "every case"
      }); drop --filter`,
    );
  }
  const difference = firstDifference(specIdentity(previous.spec.resolved), specIdentity(plan.loaded.spec));
  if (difference) {
    throw refuse(
      `with ${plan.loaded.file}: the spec changed since the run began — ${
        difference.path || "the spec"
      } was ${show(difference.before)}, is now ${
        show(difference.after)
      }; undo the change, or start a new run`,
    );
  }
  const thenShard = previous.shard ? `${previous.shard.indices.join(",")}/${previous.shard.count}` : "none";
  if (shard && `${shard.indices.join(",")}/${shard.count}` !== thenShard) {
    throw refuse(
      `as shard ${shard.indices.join(",")}/${shard.count}: the run is ${
        previous.shard ? `shard ${thenShard}` : "not sharded"
      }; resume it as it ran`,
    );
  }
  const selected = selectRunCases(plan, previous.filter, previous.shard);
  const mismatch = previous.cases.findIndex((record, i) => record.config_hash !== selected[i]?.config_hash);
  if (mismatch >= 0 || selected.length !== previous.cases.length) {
    const record = previous.cases[mismatch];
    const now = selected[mismatch];
    const version = record && now && record.kernel.version !== now.kernel.definition.version
      ? ` (kernel ${record.kernel.name} version ${record.kernel.version} → ${now.kernel.definition.version})`
      : "";
    throw refuse(
      record && now
        ? `this run: case ${mismatch} (${caseLabel(now)}) had config hash ${
          record.config_hash.slice(0, 12)
        }… and now has ${now.config_hash.slice(0, 12)}…${version}; start a new run`
        : `this run: it had ${previous.cases.length} cases, the spec now gives ${selected.length}; start a new run`,
    );
  }
  return { selected, warnings: commitWarnings(previous) };
}

function commitWarnings(previous: Manifest): string[] {
  const now = gitCommit(process.cwd());
  const then = previous.environment.git_commit;
  return now === then ? [] : [
    `the git commit changed since the run began (${then ?? "none"} → ${
      now ?? "none"
    }); kept cases were measured with the earlier code`,
  ];
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function show(value: unknown): string {
  if (value === undefined) return "absent";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * `attnbench merge SHARD… --out DIR`: joins shard runs of one spec into one run folder that
 * `verify`, `compare` and `report` read like a single machine's.
 *
 * It refuses (exit 2) shards of another spec, attnbench version, shard count, filter or runtime,
 * two folders of the same shard, a folder whose cases are not the shard it claims, and — unless
 * `allowPartial` — a missing shard, naming it and its cases. The shard assignment is recomputed
 * from the spec, so the spec file the shards ran must be readable (its SHA-256 is checked).
 *
 * Then it copies every case's files and each shard's witness bundle (kept under
 * `shards/<i>-of-<N>/`), writes the merged manifest — cases in plan order, each with the host,
 * runtime, CPU and shard that measured it, failed cases kept failed — and finishes it as a run
 * that measured its last case: the plugins replay the kept samples and run their report hooks
 * (a study's tables, witness chains and bundle come out over all the merged cases), and the
 * folder is sealed.
 *
 * @example
 * ```ts
 * import { mergeShards } from "./merge.ts";
 * await mergeShards(["out/shard-1", "out/shard-2", "out/shard-3"], { out: "out/merged" });
 * ```
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import { SpecError } from "../errors.ts";
import { sha256Hex } from "../hash.ts";
import { writeFileAtomic } from "../output/atomic.ts";
import { type CaseRecord, type Manifest, type MergedShard, summarize } from "../output/manifest.ts";
import { readManifest } from "../output/run_folder.ts";
import { planRun } from "../plan.ts";
import { type RunOptions, runPlan, type RunResult } from "../runner.ts";
import { runtimeInfo } from "../runtime.ts";
import { loadSpec } from "../spec/load.ts";
import { shardPlan } from "./assign.ts";

/** What `merge` may do besides joining complete shards. */
export interface MergeOptions extends Pick<RunOptions, "progress" | "signingKey" | "workerOutput"> {
  out: string;
  /** Merge although shards are missing (their cases are listed as not run). */
  allowPartial?: boolean;
  /** The spec file, when it is not where the shards ran it. */
  spec?: string;
  /** `--max-cases` for re-planning the spec. */
  maxCases?: number;
}

/** A shard folder read back. */
interface ShardRun {
  dir: string;
  manifest: Manifest;
  index: number;
}

const refuse = (message: string) => new SpecError("MERGE_INPUT", message);

/**
 * Merges the shard runs in `dirs` into `options.out`; returns the finished run and the shards
 * that were missing (only with `allowPartial`).
 *
 * @example
 * ```ts
 * (await mergeShards(dirs, { out })).result.manifest.summary.ok; // every case of the spec
 * ```
 */
export async function mergeShards(
  dirs: readonly string[],
  options: MergeOptions,
): Promise<{ result: RunResult; missing: number[] }> {
  if (dirs.length === 0) {
    throw new SpecError("CLI_USAGE", "merge takes the shards' run folders, got none; see --help");
  }
  const shards = dirs.map(readShard);
  const first = shards[0];
  for (const shard of shards.slice(1)) sameRun(first, shard);
  const env = runtimeInfo();
  const then = first.manifest.environment;
  if (env.runtime !== then.runtime || env.version !== then.version) {
    throw refuse(
      `the shards ran on ${then.runtime} ${then.version}; merge them with that runtime (this is ${env.runtime} ${env.version}), since merging replays their samples`,
    );
  }
  const count = first.manifest.shard!.count;
  for (const shard of shards) {
    const twin = shards.find((other) => other !== shard && other.index === shard.index);
    if (twin) {
      throw refuse(
        `${twin.dir} and ${shard.dir} are both shard ${shard.index}/${count}; give each shard once`,
      );
    }
  }

  const plan = await planRun(await specOf(first, options.spec), {
    maxCases: options.maxCases,
    force: true,
    filter: first.manifest.filter,
  });
  // The slice is computed once: every shard's cases, by owner.
  const { cases, owner } = shardPlan(plan, first.manifest.filter, count);
  const expected = (index: number) => cases.filter((c) => owner.get(c.config_hash) === index);
  for (const shard of shards) {
    const want = new Set(expected(shard.index).map((c) => c.config_hash));
    const have = new Set(shard.manifest.cases.map((c) => c.config_hash));
    const stranger = [...have].find((hash) => !want.has(hash));
    const absent = [...want].find((hash) => !have.has(hash));
    if (stranger || absent) {
      throw refuse(
        `${shard.dir} is not shard ${shard.index}/${count} of this spec: ${
          stranger
            ? `it holds case ${stranger.slice(0, 12)}…, which belongs to another shard`
            : `it lacks case ${absent!.slice(0, 12)}…`
        }; expected the run of \`--shard ${shard.index}/${count}\``,
      );
    }
  }
  const missing: number[] = [];
  for (let index = 1; index <= count; index++) {
    if (!shards.some((s) => s.index === index) && expected(index).length > 0) missing.push(index);
  }
  if (missing.length > 0 && !options.allowPartial) {
    throw refuse(
      `shard${missing.length > 1 ? "s" : ""} ${missing.map((i) => `${i}/${count}`).join(", ")} missing: ${
        missing.map((i) => `shard ${i} holds ${describeCases(expected(i).map((c) => c.index))}`).join("; ")
      }; give every shard's folder, or merge what there is with --allow-partial`,
    );
  }

  const out = path.resolve(options.out);
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) {
    throw new SpecError(
      "OUTPUT_NOT_EMPTY",
      `--out ${options.out} is not empty; merge writes a new run folder`,
    );
  }
  fs.mkdirSync(out, { recursive: true });
  const merged = mergedManifest(shards, count, missing, out);
  await writeFileAtomic(path.join(out, "manifest.json"), JSON.stringify(merged, null, 2) + "\n");
  const result = await runPlan(plan, {
    outputDir: out,
    resume: true,
    finishOnly: true,
    progress: options.progress,
    signingKey: options.signingKey,
    workerOutput: options.workerOutput,
  });
  return { result, missing };
}

function readShard(dir: string): ShardRun {
  const manifest = readManifest(dir);
  const shard = manifest.shard;
  if (!shard || shard.merged || shard.indices.length !== 1) {
    throw refuse(
      `${dir} is not a shard run (its manifest has no shard); expected the folder of a run with --shard i/N`,
    );
  }
  const pending = manifest.cases.filter((c) => c.status === "pending").length;
  if (manifest.status === "running" || pending > 0) {
    throw refuse(
      `${dir} is unfinished (status "${manifest.status}", ${pending} cases pending); finish it with --resume first`,
    );
  }
  return { dir, manifest, index: shard.indices[0] };
}

/** Refuses a shard that is not of the same run as the first. */
function sameRun(first: ShardRun, other: ShardRun): void {
  const checks: [string, unknown, unknown][] = [
    ["spec (SHA-256 of its text)", first.manifest.spec.sha256, other.manifest.spec.sha256],
    ["attnbench version", first.manifest.attnbench.version, other.manifest.attnbench.version],
    ["shard count", first.manifest.shard!.count, other.manifest.shard!.count],
    ["--filter", JSON.stringify(first.manifest.filter), JSON.stringify(other.manifest.filter)],
    [
      "runtime",
      `${first.manifest.environment.runtime} ${first.manifest.environment.version}`,
      `${other.manifest.environment.runtime} ${other.manifest.environment.version}`,
    ],
  ];
  for (const [what, a, b] of checks) {
    if (a !== b) {
      throw refuse(
        `${other.dir} is not a shard of the same run as ${first.dir}: its ${what} is ${b}, expected ${a}`,
      );
    }
  }
}

/** The spec the shards ran, checked against their SHA-256. */
async function specOf(first: ShardRun, given: string | undefined) {
  const spec = first.manifest.spec;
  const file = given ?? path.join(spec.dir, path.basename(spec.file));
  if (!fs.existsSync(file)) {
    throw refuse(
      `the shards' spec ${file} is not here; merge where it is, or give it with --spec FILE (SHA-256 ${
        spec.sha256.slice(0, 12)
      }…)`,
    );
  }
  const loaded = await loadSpec(file);
  if (await sha256Hex(loaded.text) !== spec.sha256) {
    throw refuse(
      `${file} changed since the shards ran it (its SHA-256 differs); merge with the spec they ran`,
    );
  }
  return loaded;
}

/** The merged manifest, its case files and the shards' bundles copied beside it. */
function mergedManifest(shards: ShardRun[], count: number, missing: number[], out: string): Manifest {
  const first = shards[0].manifest;
  const cases: CaseRecord[] = [];
  const runs: MergedShard[] = [];
  const files: string[] = [];
  for (const shard of [...shards].sort((a, b) => a.index - b.index)) {
    const m = shard.manifest;
    for (const record of m.cases) {
      for (const file of record.files) copy(shard.dir, out, file);
      cases.push({
        ...record,
        host: m.process.host,
        runtime: `${m.environment.runtime} ${m.environment.version}`,
        cpu: m.environment.machine.cpu_model ?? undefined,
        shard: shard.index,
      });
    }
    const bundle = m.files.includes("witness/bundle.json")
      ? `shards/${shard.index}-of-${count}/bundle.json`
      : undefined;
    if (bundle) {
      copy(path.join(shard.dir, "witness"), path.join(out, path.dirname(bundle)), "bundle.json");
      files.push(bundle);
    }
    runs.push({
      index: shard.index,
      dir: path.resolve(shard.dir),
      host: m.shard?.host ?? m.process.host,
      engine: m.shard?.engine ?? "cli",
      job: m.shard?.job ?? {},
      ...(bundle ? { bundle } : {}),
    });
  }
  cases.sort((a, b) => a.index - b.index);
  const warnings = [...new Set(shards.flatMap((s) => s.manifest.warnings))];
  if (missing.length > 0) {
    warnings.push(
      `merged without shard${missing.length > 1 ? "s" : ""} ${
        missing.map((i) => `${i}/${count}`).join(", ")
      } (--allow-partial): their cases were not run`,
    );
  }
  const present = runs.map((r) => r.index);
  return {
    ...first,
    status: "interrupted",
    error: `merged from shards ${
      present.join(", ")
    } of ${count}; the plugins' report hooks and the seal follow`,
    started_at: shards.map((s) => s.manifest.started_at).sort()[0],
    sessions: shards.flatMap((s) => s.manifest.sessions),
    shard: { count, indices: present, merged: runs },
    cases,
    files,
    summary: summarize(cases),
    warnings,
    errors: shards.flatMap((s) => s.manifest.errors.map((e) => `shard ${s.index}/${count}: ${e}`)),
  };
}

function copy(from: string, to: string, relative: string): void {
  fs.mkdirSync(path.dirname(path.join(to, relative)), { recursive: true });
  fs.copyFileSync(path.join(from, relative), path.join(to, relative));
}

function describeCases(indices: number[]): string {
  const shown = indices.slice(0, 8).join(", ");
  return `${indices.length} case${indices.length === 1 ? "" : "s"} (plan index ${shown}${
    indices.length > 8 ? ", …" : ""
  })`;
}

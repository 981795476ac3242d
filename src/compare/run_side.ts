/**
 * One side of a comparison: a run folder read back — its manifest, its results.csv rows and the
 * raw latency samples of each case (`latency/<config_hash>.csv`), and the identity of each case
 * apart from its kernel's version, for pairing across a code change.
 *
 * @example
 * ```ts
 * import { readRunSide } from "./run_side.ts";
 * const side = await readRunSide("results/softmax-sweep/20261207T023811Z-5dd9640d");
 * side.cases[0].samples_us?.length; // 2776
 * ```
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { SpecError } from "../errors.ts";
import { configHash } from "../hash.ts";
import { measurementBudget } from "../limits.ts";
import type { CaseRecord, Manifest } from "../output/manifest.ts";
import { readManifest } from "../output/run_folder.ts";

/** A measured case as compare sees it. */
export interface SideCase {
  record: CaseRecord;
  /** Its results.csv row, cells as written. */
  row: Record<string, string>;
  /** The raw time per call of each sample, µs (from the latency plugin's table), if any. */
  samples_us?: number[];
  /** SHA-256 of kernel name, parameters, inputs and budget: the case without its kernel version. */
  identity: string;
}

/** A run folder read back. */
export interface RunSide {
  dir: string;
  /** A short name for tables: the run id, or the baseline's name. */
  label: string;
  manifest: Manifest;
  /** Its measured (`ok`) cases. */
  cases: SideCase[];
}

/**
 * Reads the run in `dir` (a run folder); `samples: false` skips the raw samples (history needs
 * only the medians).
 *
 * @example
 * ```ts
 * (await readRunSide(dir)).manifest.environment.runtime; // "deno"
 * ```
 */
export async function readRunSide(
  dir: string,
  label = path.basename(dir),
  options: { samples: boolean } = { samples: true },
): Promise<RunSide> {
  const manifest = readManifest(dir);
  const rows = readRows(path.join(dir, "results.csv"));
  const spec = manifest.spec.resolved;
  const cases: SideCase[] = [];
  for (const record of manifest.cases) {
    if (record.status !== "ok") continue;
    const samplesFile = record.files.find((f) => f.startsWith("latency/"));
    cases.push({
      record,
      row: rows.get(record.config_hash) ?? {},
      samples_us: samplesFile && options.samples ? readSamples(path.join(dir, samplesFile)) : undefined,
      identity: await configHash({
        kernel: record.kernel.name,
        params: record.params,
        inputs: { ...spec.inputs, seed: spec.seed },
        budget: measurementBudget(spec.bench),
      }),
    });
  }
  return { dir, label, manifest, cases };
}

function readRows(file: string): Map<string, Record<string, string>> {
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (cause) {
    throw new SpecError("COMPARE_INPUT", `cannot read ${file}: ${(cause as Error).message}`, undefined, {
      cause,
    });
  }
  const rows = parse(text, { columns: true }) as Record<string, string>[];
  return new Map(rows.map((row) => [row.config_hash, row]));
}

function readSamples(file: string): number[] | undefined {
  if (!fs.existsSync(file)) return undefined;
  const rows = parse(fs.readFileSync(file, "utf8"), { columns: true }) as Record<string, string>[];
  return rows.map((row) => Number(row.wall_time_us)).filter((x) => Number.isFinite(x));
}

/**
 * What `compare` and `history` are pointed at, made into run folders: a run folder; a spec's
 * results folder (its `latest`, or for `compare` with one argument its two newest runs); `latest`;
 * or a baseline's name, kept under `<spec results>/baselines/<name>/`. Names are looked up in the
 * spec results folder `--in DIR` names, else the other argument's, else the one folder under
 * `./results` that holds such a baseline (so `compare main latest` works from a project's root).
 *
 * @example
 * ```ts
 * import { resolveSides } from "./resolve_runs.ts";
 * resolveSides(["main", "results/softmax-sweep/latest"]); // A: results/softmax-sweep/baselines/main
 * ```
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import { SpecError } from "../errors.ts";
import { LATEST, latestRun } from "../output/run_folder.ts";

/** Where a spec's named baselines live, inside its results folder. */
export const BASELINES = "baselines";

/** A run to compare, and the name to show for it. */
export interface RunRef {
  dir: string;
  label: string;
}

/**
 * The runs of a spec's results folder, oldest first (run ids sort by their UTC start).
 *
 * @example
 * ```ts
 * specRuns("results/softmax-sweep").at(-1); // the newest run
 * ```
 */
export function specRuns(base: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(base);
  } catch (cause) {
    throw new SpecError("COMPARE_INPUT", `cannot read ${base}: ${(cause as Error).message}`, undefined, {
      cause,
    });
  }
  return names
    .filter((name) => name !== LATEST && name !== BASELINES && !name.startsWith("."))
    .map((name) => path.join(path.resolve(base), name))
    .filter((dir) => fs.existsSync(path.join(dir, "manifest.json")))
    .sort();
}

/**
 * A and B for `compare`'s arguments (one spec results folder, or two references).
 *
 * @example
 * ```ts
 * resolveSides(["results/softmax-sweep"]); // its two newest runs
 * ```
 */
export function resolveSides(args: string[], inDir?: string): [RunRef, RunRef] {
  if (args.length === 1) {
    const runs = specRuns(args[0]);
    if (runs.length < 2) {
      throw new SpecError(
        "COMPARE_INPUT",
        `${args[0]} holds ${runs.length} run${
          runs.length === 1 ? "" : "s"
        }; expected two to compare (or give two runs)`,
      );
    }
    return [refOf(runs.at(-2)!), refOf(runs.at(-1)!)];
  }
  if (args.length !== 2) {
    throw new SpecError(
      "CLI_USAGE",
      `compare takes two runs (or one spec results folder), got ${args.length}; see --help`,
    );
  }
  const direct = args.map((arg) => directRun(arg));
  const home = inDir ?? (direct.every((d) => d === undefined) ? specHoldingBaseline(args) : undefined);
  const specOf = (other: RunRef | undefined) => home ?? (other ? path.dirname(other.dir) : undefined);
  const a = direct[0] ?? namedRun(args[0], specOf(direct[1]));
  const b = direct[1] ?? namedRun(args[1], specOf(direct[0] ?? a));
  return [a, b];
}

/**
 * A baseline's folder, by name, in a spec's results folder.
 *
 * @example
 * ```ts
 * baselineDir("results/softmax-sweep", "main"); // ".../results/softmax-sweep/baselines/main"
 * ```
 */
export function baselineDir(specResults: string, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new SpecError("CLI_USAGE", `baseline name "${name}" must be letters, digits, ".", "_" or "-"`);
  }
  return path.join(path.resolve(specResults), BASELINES, name);
}

/**
 * For `compare NAME latest` without `--in`: the one spec results folder under ./results that
 * holds a baseline of one of the names, if exactly one does.
 */
function specHoldingBaseline(names: string[]): string | undefined {
  const root = path.resolve("results");
  if (!fs.existsSync(root)) return undefined;
  const holders = fs.readdirSync(root)
    .map((spec) => path.join(root, spec))
    .filter((dir) => names.some((name) => fs.existsSync(path.join(dir, BASELINES, name, "manifest.json"))));
  return holders.length === 1 ? holders[0] : undefined;
}

function refOf(dir: string, label = path.basename(dir)): RunRef {
  return { dir, label };
}

/** A path that is a run folder, or a spec's results folder (its latest run). */
function directRun(arg: string): RunRef | undefined {
  if (!fs.existsSync(arg)) return undefined;
  const dir = path.resolve(arg);
  if (fs.existsSync(path.join(dir, "manifest.json"))) return refOf(fs.realpathSync(dir));
  const latest = latestRun(dir);
  if (latest) return refOf(latest);
  throw new SpecError(
    "COMPARE_INPUT",
    `${arg} holds no run: no manifest.json and no ${LATEST}; expected a run folder, a spec's results folder, latest or a baseline name`,
  );
}

/** `latest` or a baseline name, in the spec results folder `base`. */
function namedRun(name: string, base: string | undefined): RunRef {
  if (!base) {
    throw new SpecError(
      "CLI_USAGE",
      `"${name}" is not a folder; to use it as a baseline or as latest, give the spec's results folder with --in DIR (or a run folder as the other argument)`,
    );
  }
  if (name === LATEST) {
    const latest = latestRun(base);
    if (!latest) throw new SpecError("COMPARE_INPUT", `${base} has no ${LATEST} run`);
    return refOf(latest);
  }
  const dir = baselineDir(base, name);
  if (!fs.existsSync(path.join(dir, "manifest.json"))) {
    const known = fs.existsSync(path.join(base, BASELINES)) ? fs.readdirSync(path.join(base, BASELINES)) : [];
    throw new SpecError(
      "COMPARE_INPUT",
      `no baseline "${name}" in ${path.join(base, BASELINES)}; expected one of: ${
        known.join(", ") || "(none saved)"
      }`,
    );
  }
  return refOf(dir, `baseline ${name}`);
}

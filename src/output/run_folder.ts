/**
 * Where a run writes. Without `--out`, every run gets a folder of its own,
 * `<output.dir or results/<spec name>>/<run id>/` (a sortable UTC time and the spec's hash
 * prefix), and `latest` in the spec's folder points at the newest (a symlink, or a one-line file
 * where links cannot be made). With `--out DIR`, DIR is used when it is missing or empty; a DIR
 * holding an earlier run is refused unless `--resume` continues it or `--force` replaces it.
 * Readers (`verify`, ...) accept a run folder or a spec's folder, whose `latest` they follow.
 *
 * @example
 * ```ts
 * import { chooseRunFolder, findRunFolder } from "./run_folder.ts";
 * const { dir } = chooseRunFolder({ base: "results/softmax-sweep", specSha256: "3f2a…" });
 * findRunFolder("results/softmax-sweep"); // ".../results/softmax-sweep/20261206T230212Z-3f2a1c0d"
 * ```
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { OutputError, SpecError } from "../errors.ts";
import { outputFault } from "./fs_errors.ts";
import { LOCK_FILE, refuseIfLocked } from "./lock.ts";
import { applyJournal, JOURNAL_FILE } from "./case_journal.ts";
import type { Manifest } from "./manifest.ts";
import { runState } from "./run_state.ts";
import { SEAL_FILE } from "../integrity/seal.ts";
import { METADATA_FILE } from "./csvw.ts";

/** Name of the pointer to the newest run in a spec's results folder. */
export const LATEST = "latest";

/** What the user asked for. */
export interface FolderRequest {
  /** `--out DIR`: this exact folder. */
  out?: string;
  /** The spec's results folder (`output.dir`, else `results/<name>`), for runs without `--out`. */
  base: string;
  /** SHA-256 of the spec text; its prefix names new run folders. */
  specSha256: string;
  resume?: boolean;
  force?: boolean;
}

/** The folder chosen, and the earlier run in it when resuming or replacing. */
export interface ChosenFolder {
  dir: string;
  /** The manifest of the run being resumed. */
  previous?: Manifest;
  /** `--force`: the earlier run to remove (with {@link clearRun}) once the folder's lock is held. */
  replace?: Manifest;
  /**
   * For a new run folder, the spec's folder whose `latest` should point at it once its first
   * manifest is written ({@link pointLatest}); until then `latest` keeps the previous run.
   */
  base?: string;
}

/**
 * Picks (and creates) the folder a run writes to, or throws an {@link OutputError} (exit 2).
 *
 * @example
 * ```ts
 * chooseRunFolder({ out: "/tmp/run", base: "results/x", specSha256, force: true });
 * ```
 */
export function chooseRunFolder(request: FolderRequest): ChosenFolder {
  // With --resume, --force never replaces the run: it only lifts the memory check (plan_bounds.ts).
  if (request.out !== undefined) return useOut(request);
  const base = path.resolve(request.base);
  refuseRoot(base, "the spec's results folder");
  if (request.resume) {
    const dir = latestRun(base);
    if (!dir) {
      throw new OutputError(
        "OUTPUT_NO_RUN",
        `nothing to resume: ${base} has no ${LATEST} run; start one without --resume, or give its folder with --out`,
      );
    }
    refuseIfLocked(dir);
    return { dir, previous: readManifest(dir) };
  }
  return { dir: makeRunFolder(base, request.specSha256), base };
}

/**
 * The run folder behind `dir`: `dir` itself when it holds a manifest.json, else the run its
 * `latest` points at; a {@link SpecError} (exit 2) when it is neither.
 *
 * @example
 * ```ts
 * findRunFolder("results/mincut"); // the newest run of the study
 * ```
 */
export function findRunFolder(dir: string): string {
  const resolved = path.resolve(dir);
  if (fs.existsSync(path.join(resolved, "manifest.json"))) return resolved;
  const latest = latestRun(resolved);
  if (latest) return latest;
  throw new SpecError(
    "VERIFY_INPUT",
    `${dir} holds no run: no manifest.json and no ${LATEST}; expected a run folder or a spec's results folder`,
  );
}

/**
 * The run `<base>/latest` points at, or `undefined`.
 *
 * @example
 * ```ts
 * latestRun("results/softmax-sweep"); // ".../results/softmax-sweep/20261206T230212Z-3f2a1c0d"
 * ```
 */
export function latestRun(base: string): string | undefined {
  const pointer = path.join(base, LATEST);
  let id: string;
  try {
    id = fs.lstatSync(pointer).isSymbolicLink()
      ? fs.readlinkSync(pointer)
      : fs.readFileSync(pointer, "utf8").trim();
  } catch {
    return undefined;
  }
  const dir = path.resolve(base, id);
  return fs.existsSync(path.join(dir, "manifest.json")) ? dir : undefined;
}

/**
 * A sortable run id: UTC time to the second and the spec hash's first 8 hex digits.
 *
 * @example
 * ```ts
 * runId(new Date("2026-12-06T23:02:12Z"), "3f2a1c0d9e…"); // "20261206T230212Z-3f2a1c0d"
 * ```
 */
export function runId(now: Date, specSha256: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${stamp}-${specSha256.slice(0, 8)}`;
}

/** What `attnbench report` writes into a run folder: the page, and the paper figures' folder. */
export const REPORT_FILE = "report.html";
export const FIGURES_DIR = "figures";

/**
 * Removes what `attnbench report` wrote into `dir` (a resumed run changes what it shows).
 *
 * @example
 * ```ts
 * removeReport("/tmp/run"); // report.html and figures/ are gone
 * ```
 */
export function removeReport(dir: string): void {
  for (const name of [REPORT_FILE, FIGURES_DIR]) {
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

/**
 * Removes an earlier run's files from `dir` for `--force`: only what a run writes (its manifest,
 * results.csv, per-case and report files, report.html and figures/), never the lock the caller holds; anything else there
 * stops it.
 *
 * @example
 * ```ts
 * clearRun("/tmp/run", JSON.parse(fs.readFileSync("/tmp/run/manifest.json", "utf8")));
 * ```
 */
export function clearRun(dir: string, manifest: Manifest): void {
  const own = new Set([
    "manifest.json",
    "results.csv",
    METADATA_FILE,
    JOURNAL_FILE,
    SEAL_FILE,
    REPORT_FILE,
    FIGURES_DIR,
  ]);
  const files = [...(manifest.files ?? []), ...(manifest.cases ?? []).flatMap((c) => c.files ?? [])];
  for (const file of files) own.add(file.split("/")[0]);
  const entries = fs.readdirSync(dir).filter((name) => name !== LOCK_FILE);
  const foreign = entries.filter((name) => !own.has(name) && !/\.tmp-\d+-\d+$/.test(name));
  if (foreign.length > 0) {
    throw new OutputError(
      "OUTPUT_NOT_EMPTY",
      `--force replaces only an earlier run's own files, but ${dir} also holds ${
        foreign.slice(0, 3).join(", ")
      }${foreign.length > 3 ? ` and ${foreign.length - 3} more` : ""}; move them or choose another --out`,
    );
  }
  for (const name of entries) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
}

/**
 * The manifest of the run in `dir` (manifest.json with the case journal of a running or crashed
 * run laid over it), or an {@link OutputError} (exit 2) saying why it cannot be read.
 *
 * @example
 * ```ts
 * readManifest("/tmp/run").status; // "interrupted"
 * ```
 */
export function readManifest(dir: string): Manifest {
  const file = path.join(dir, "manifest.json");
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
  } catch (error) {
    const why = (error as { code?: string }).code === "ENOENT" ? "it does not exist" : "it is not valid JSON";
    throw new OutputError("OUTPUT_NO_RUN", `cannot read the run in ${dir}: ${file} cannot be read (${why})`);
  }
  let journal = "";
  try {
    journal = fs.readFileSync(path.join(dir, JOURNAL_FILE), "utf8");
  } catch {
    // No journal: the manifest is whole.
  }
  // Only a run still writing (or crashed while writing) has a journal to apply; a finished run's
  // manifest is whole, and a journal beside it is stale or planted.
  return journal === "" || manifest.status !== "running" ? manifest : applyJournal(manifest, journal);
}

function useOut(request: FolderRequest): ChosenFolder {
  if (request.out!.trim() === "") throw new SpecError("CLI_USAGE", "--out is empty; expected a folder");
  const dir = path.resolve(request.out!);
  refuseRoot(dir, "--out");
  let entries: string[] | undefined;
  try {
    if (!fs.statSync(dir).isDirectory()) {
      throw new OutputError(
        "OUTPUT_NOT_A_FOLDER",
        `--out ${dir} is a file; expected a folder (missing or empty)`,
      );
    }
    entries = fs.readdirSync(dir);
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOENT") throw outputFault(error, dir, { during: "prepare" });
  }
  if (entries) refuseIfLocked(dir);
  entries = entries?.filter((name) => name !== LOCK_FILE); // a stale lock is taken over with the folder
  const holdsRun = entries?.includes("manifest.json") ?? false;
  if (request.resume) {
    if (!holdsRun) {
      throw new OutputError("OUTPUT_NO_RUN", `nothing to resume in ${dir}: it holds no manifest.json`);
    }
    return { dir, previous: readManifest(dir) };
  }
  if (holdsRun) {
    const earlier = readManifest(dir);
    if (!request.force) {
      throw new OutputError(
        "OUTPUT_HAS_RUN",
        `${dir} holds an earlier run (${
          runState(dir, earlier).description
        }, started ${earlier.started_at}); use --resume to continue it or --force to replace it`,
      );
    }
    return { dir, replace: earlier };
  } else if (entries && entries.length > 0) {
    throw new OutputError(
      "OUTPUT_NOT_EMPTY",
      `${dir} is not empty and holds no attnbench run (${entries.slice(0, 3).join(", ")}${
        entries.length > 3 ? ", ..." : ""
      }); choose a new or empty folder`,
    );
  }
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw outputFault(error, dir, { during: "prepare" });
  }
  return { dir };
}

function refuseRoot(dir: string, what: string): void {
  if (dir === path.parse(dir).root) {
    throw new SpecError(
      "CLI_USAGE",
      `${what} resolves to the root folder ${dir}; expected a folder of its own`,
    );
  }
}

function makeRunFolder(base: string, specSha256: string): string {
  try {
    if (fs.existsSync(base) && !fs.statSync(base).isDirectory()) {
      throw new OutputError(
        "OUTPUT_NOT_A_FOLDER",
        `${base} is a file; expected a folder for the spec's runs`,
      );
    }
    fs.mkdirSync(base, { recursive: true });
    const id = runId(new Date(), specSha256);
    for (let n = 1;; n++) {
      const dir = path.join(base, n === 1 ? id : `${id}-${n}`);
      try {
        fs.mkdirSync(dir);
        return dir;
      } catch (error) {
        if ((error as { code?: string }).code !== "EEXIST") throw error;
      }
    }
  } catch (error) {
    throw outputFault(error, base, { during: "prepare" });
  }
}

/**
 * Points `<base>/latest` at the run folder `id`, replacing it atomically.
 *
 * @example
 * ```ts
 * pointLatest("results/softmax-sweep", "20261206T230212Z-3f2a1c0d");
 * ```
 */
export function pointLatest(base: string, id: string): void {
  const pointer = path.join(base, LATEST);
  const temporary = `${pointer}.tmp-${process.pid}-0`;
  try {
    fs.rmSync(temporary, { force: true });
    try {
      fs.symlinkSync(id, temporary);
    } catch {
      fs.writeFileSync(temporary, id + "\n");
    }
    fs.renameSync(temporary, pointer);
  } catch (error) {
    throw outputFault(error, base, { during: "prepare" });
  }
}

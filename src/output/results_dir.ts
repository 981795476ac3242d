/**
 * The results folder: per-case CSV tables, `results.csv` (one row per case) and `manifest.json`.
 * Every file is written atomically; `results.csv` and the manifest are rewritten after each case
 * so that finished cases are never lost when a later one fails or the run is interrupted.
 *
 * @example
 * ```ts
 * import { ResultsDir } from "./results_dir.ts";
 * const dir = new ResultsDir("results/softmax-sweep");
 * const file = await dir.writeTable(table, "3f2a...");
 * ```
 * @module
 */
import path from "node:path";
import type { MetricValue, Table } from "../contracts.ts";
import { writeFileAtomic } from "./atomic.ts";
import { toCsv } from "./csv.ts";
import type { Manifest } from "./manifest.ts";

/** A results.csv row: column → value. */
export type ResultRow = Record<string, MetricValue>;

/**
 * Writer for one results folder.
 *
 * @example
 * ```ts
 * await new ResultsDir("out").writeManifest(manifest);
 * ```
 */
export class ResultsDir {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /**
   * Writes a plugin's per-case table to `<table>/<config_hash>.csv` with `config_hash` added to
   * every row; returns the path relative to the folder.
   */
  async writeTable(table: Table, configHash: string): Promise<string> {
    if (!/^[a-z0-9_-]+$/i.test(table.name)) {
      throw new RangeError(`table name "${table.name}" must be letters, digits, _ or -`);
    }
    const relative = `${table.name}/${configHash}.csv`;
    const rows = table.rows.map((row) => [...row, configHash]);
    await writeFileAtomic(path.join(this.root, relative), toCsv([...table.columns, "config_hash"], rows));
    return relative;
  }

  /** Rewrites `results.csv` with the given columns, one row per case. */
  async writeResults(columns: string[], rows: ResultRow[]): Promise<void> {
    const cells = rows.map((row) => columns.map((c) => row[c] ?? null));
    await writeFileAtomic(path.join(this.root, "results.csv"), toCsv(columns, cells));
  }

  /** Writes a file at a relative path (`/` separators) inside the folder; refuses to leave it. */
  async writeFile(relative: string, data: string): Promise<void> {
    const target = path.resolve(this.root, relative);
    if (!target.startsWith(this.root + path.sep)) {
      throw new RangeError(`"${relative}" is outside the results folder ${this.root}`);
    }
    await writeFileAtomic(target, data);
  }

  /** Rewrites `manifest.json`. */
  async writeManifest(manifest: Manifest): Promise<void> {
    await writeFileAtomic(path.join(this.root, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  }
}

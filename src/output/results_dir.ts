/**
 * The results folder: per-case CSV tables, `results.csv` (one row per case) and `manifest.json`.
 * Every file is written atomically and flushed to disk. A case is committed in one step: its
 * tables first, then results.csv and manifest.json, both written and flushed under temporary
 * names and renamed one right after the other, so the two always agree on which cases are done
 * (only a power cut between the two renames can leave results.csv one case ahead; the manifest is
 * the record, and `--resume` rewrites results.csv from it).
 *
 * @example
 * ```ts
 * import { ResultsDir } from "./results_dir.ts";
 * const dir = new ResultsDir("results/softmax-sweep/20261206T230212Z-3f2a1c0d");
 * const file = await dir.writeTable(table, "3f2a...");
 * await dir.commit(manifest);
 * ```
 * @module
 */
import fs from "node:fs/promises";
import path from "node:path";
import { parse } from "csv-parse/sync";
import type { MetricValue, Table } from "../contracts.ts";
import { stageFile, writeFileAtomic } from "./atomic.ts";
import { restoreCell, toCsv } from "./csv.ts";
import type { Manifest } from "./manifest.ts";
import { resultTable } from "./result_rows.ts";

/**
 * Writer (and reader of its own tables) for one results folder.
 *
 * @example
 * ```ts
 * await new ResultsDir("out").commit(manifest);
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

  /**
   * Reads back a table written by {@link writeTable}: the `config_hash` column dropped, numbers,
   * `true`/`false` and empty cells (null) typed as they were written.
   */
  async readTable(relative: string): Promise<Table> {
    const text = await fs.readFile(path.join(this.root, relative), "utf8");
    const [header, ...records] = parse(text, { relax_column_count: false }) as string[][];
    const width = header.length - 1;
    return {
      name: relative.split("/")[0],
      columns: header.slice(0, width),
      rows: records.map((cells) => cells.slice(0, width).map(typedCell)),
    };
  }

  /** Writes results.csv (rebuilt from the manifest's case records) and manifest.json as one step. */
  async commit(manifest: Manifest): Promise<void> {
    const { columns, rows } = resultTable(manifest.cases);
    const csv = await stageFile(path.join(this.root, "results.csv"), toCsv(columns, rows));
    let json;
    try {
      json = await stageFile(path.join(this.root, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
    } catch (error) {
      await csv.discard();
      throw error;
    }
    await csv.commit();
    await json.commit();
  }

  /** Writes a file at a relative path (`/` separators) inside the folder; refuses to leave it. */
  async writeFile(relative: string, data: string): Promise<void> {
    const target = path.resolve(this.root, relative);
    if (!target.startsWith(this.root + path.sep)) {
      throw new RangeError(`"${relative}" is outside the results folder ${this.root}`);
    }
    await writeFileAtomic(target, data);
  }

  /** Rewrites `manifest.json` alone (for changes that do not touch any case). */
  async writeManifest(manifest: Manifest): Promise<void> {
    await writeFileAtomic(path.join(this.root, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  }
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-?Infinity$|^NaN$/;

function typedCell(cell: string): MetricValue {
  if (cell === "") return null;
  if (cell === "true") return true;
  if (cell === "false") return false;
  return NUMBER.test(cell) ? Number(cell) : restoreCell(cell);
}

/**
 * The results folder: per-case CSV tables, `results.csv` (one row per case) and `manifest.json`.
 * Every file is written atomically or appended, and flushed to disk. A finished case costs the
 * same whatever its position: its tables are written, its record is appended to the case journal
 * (case_journal.ts) and its row to results.csv (which is rewritten only when a row brings a new
 * column). A full {@link ResultsDir.commit} (session start, before the report, the end) rewrites
 * results.csv in plan order and manifest.json with every record, staged under temporary names and
 * renamed one right after the other, then removes the journal. After a crash the manifest plus
 * journal is the record, and `--resume` rewrites results.csv from it.
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
import { appendDurably, stageFile, writeFileAtomic } from "./atomic.ts";
import { JOURNAL_FILE, journalLine } from "./case_journal.ts";
import { restoreCell, toCsv } from "./csv.ts";
import { type CaseRecord, type Manifest, summarize } from "./manifest.ts";
import type { ColumnDescription } from "./column_types.ts";
import { csvwMetadata, METADATA_FILE } from "./csvw.ts";
import { resultColumns, resultRow, resultTable, rowCells, UndeclaredColumns } from "./result_rows.ts";

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
  /** results.csv's columns as last written whole, and the undeclared ones learnt so far. */
  #columns: ColumnDescription[] = [];
  #undeclared = new UndeclaredColumns();
  /** Lengths of manifest.errors and manifest.files as last written whole. */
  #written = { errors: 0, files: 0 };

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

  /**
   * Writes results.csv (rebuilt from the manifest's case records, in plan order) and manifest.json
   * (its summary recounted) as one step, then removes the case journal they now contain.
   */
  async commit(manifest: Manifest): Promise<void> {
    manifest.summary = summarize(manifest.cases);
    const { columns, rows, undeclared } = resultTable(manifest);
    const names = columns.map((c) => c.name);
    const staged = [];
    try {
      staged.push(await stageFile(path.join(this.root, "results.csv"), toCsv(names, rows)));
      if (manifest.parameters) {
        const metadata = JSON.stringify(csvwMetadata(columns), null, 2) + "\n";
        staged.push(await stageFile(path.join(this.root, METADATA_FILE), metadata));
      }
      staged.push(
        await stageFile(path.join(this.root, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n"),
      );
    } catch (error) {
      await Promise.all(staged.map((file) => file.discard()));
      throw error;
    }
    for (const file of staged) await file.commit();
    await fs.rm(path.join(this.root, JOURNAL_FILE), { force: true });
    this.#columns = columns;
    this.#undeclared = undeclared;
    this.#written = { errors: manifest.errors.length, files: manifest.files.length };
  }

  /**
   * Records one finished case in constant time: its record appended to the journal, its row to
   * results.csv. Falls back to a full {@link commit} when the header changes (a column nobody
   * declared appears or widens its type, plugins' declarations arrive), or when the run's errors
   * or report files grew since the last full write.
   */
  async commitCase(manifest: Manifest, record: CaseRecord): Promise<void> {
    const row = record.status === "pending" ? undefined : resultRow(record, manifest.environment);
    if (row) this.#undeclared.add(record, manifest);
    const columns = resultColumns(manifest, this.#undeclared);
    const fits = columns.length === this.#columns.length &&
      columns.every((c, i) => c.name === this.#columns[i].name && c.type === this.#columns[i].type);
    const grew = manifest.errors.length !== this.#written.errors ||
      manifest.files.length !== this.#written.files;
    if (!fits || grew) return await this.commit(manifest);
    const ran = manifest.sessions[manifest.sessions.length - 1]?.ran ?? 0;
    const journal = path.join(this.root, JOURNAL_FILE);
    const csv = path.join(this.root, "results.csv");
    // Both appends or neither: on a failure (a full disk) each file is cut back to where it was.
    const sizes = await Promise.all([journal, csv].map((file) => fs.stat(file).then((s) => s.size, () => 0)));
    try {
      await appendDurably(journal, journalLine(record, ran));
      if (row) await appendDurably(csv, toCsv([], [rowCells(row, this.#columns)], { header: false }));
    } catch (error) {
      await Promise.all([journal, csv].map((file, i) => fs.truncate(file, sizes[i]).catch(() => {})));
      throw error;
    }
  }

  /** Writes a file at a relative path (`/` separators) inside the folder; refuses to leave it. */
  async writeFile(relative: string, data: string): Promise<void> {
    const target = path.resolve(this.root, relative);
    if (!target.startsWith(this.root + path.sep)) {
      throw new RangeError(`"${relative}" is outside the results folder ${this.root}`);
    }
    await writeFileAtomic(target, data);
  }
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-?Infinity$|^NaN$/;

function typedCell(cell: string): MetricValue {
  if (cell === "") return null;
  if (cell === "true") return true;
  if (cell === "false") return false;
  return NUMBER.test(cell) ? Number(cell) : restoreCell(cell);
}

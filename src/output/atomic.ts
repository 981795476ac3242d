/**
 * Writes that never leave a half-written file that looks whole, and that survive a power cut once
 * they return: the data goes to a temporary name in the same folder and is flushed to disk
 * (fsync), then renamed over the target (atomic on POSIX file systems), and the folder's entry is
 * flushed too.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic.ts";
 * await writeFileAtomic("results/x/results.csv", "a,b\n1,2\n");
 * ```
 * @module
 */
import fs from "node:fs/promises";
import path from "node:path";
import process from "node:process";

let counter = 0;

/**
 * Atomically and durably replaces `file` with `data`, creating its folder if needed.
 *
 * @example
 * ```ts
 * await writeFileAtomic("out/manifest.json", JSON.stringify(manifest));
 * ```
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const staged = await stageFile(file, data);
  await staged.commit();
}

/** A file written and flushed under a temporary name, waiting to be renamed into place. */
export interface StagedFile {
  /** Renames it over its target and flushes the folder entry. */
  commit(): Promise<void>;
  /** Removes the temporary file (after a failure elsewhere). */
  discard(): Promise<void>;
}

/**
 * Writes `data` next to `file` under a temporary name and flushes it, without touching `file`;
 * `commit()` renames it into place. Staging two files before committing either keeps the window
 * in which one is newer than the other down to two renames.
 *
 * @example
 * ```ts
 * const csv = await stageFile("out/results.csv", text);
 * const json = await stageFile("out/manifest.json", manifestText);
 * await csv.commit();
 * await json.commit();
 * ```
 */
export async function stageFile(file: string, data: string | Uint8Array): Promise<StagedFile> {
  const folder = path.dirname(file);
  await fs.mkdir(folder, { recursive: true });
  const temporary = `${file}.tmp-${process.pid}-${counter++}`;
  const discard = () => fs.rm(temporary, { force: true });
  try {
    await writeFlushed(temporary, data, "w");
  } catch (error) {
    await discard().catch(() => {});
    throw error;
  }
  return {
    commit: async () => {
      try {
        await fs.rename(temporary, file);
      } catch (error) {
        await discard().catch(() => {});
        throw error;
      }
      await syncFolder(folder);
    },
    discard,
  };
}

/**
 * Appends `data` to `file` (created if missing) in one write and flushes it to disk.
 *
 * @example
 * ```ts
 * await appendDurably("out/cases.jsonl", line);
 * ```
 */
export async function appendDurably(file: string, data: string): Promise<void> {
  await writeFlushed(file, data, "a");
}

/** Writes (`w`) or appends (`a`) `data` and flushes it before closing. */
async function writeFlushed(file: string, data: string | Uint8Array, flag: "w" | "a"): Promise<void> {
  const handle = await fs.open(file, flag);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a folder's entries; some platforms cannot open a folder for that, which is harmless. */
async function syncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await fs.open(folder, "r");
    await handle.sync();
  } catch {
    // Not supported here (e.g. Windows); the rename itself is still atomic.
  } finally {
    await handle?.close();
  }
}

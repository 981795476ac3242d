/**
 * The case journal: `cases.jsonl`, one line per finished case, appended (and flushed) while a run
 * goes, so recording a case costs the same at case 10 as at case 10 000 instead of rewriting
 * manifest.json whole each time. manifest.json is written whole at the start of a session, before
 * the report hooks and at the end; in between it is the journal that is current. Readers see the
 * two as one: {@link applyJournal} lays the journal's records over the manifest's (the last line
 * for a case wins; an incomplete last line, left by a crash mid-write, is ignored). A finished run
 * has no journal: the last full write folds it in and removes it.
 *
 * @example
 * ```ts
 * import { applyJournal, journalLine } from "./case_journal.ts";
 * const text = journalLine(record, 3);
 * applyJournal(manifest, text).cases[record.index].status; // record.status
 * ```
 * @module
 */
import { type CaseRecord, type Manifest, summarize } from "./manifest.ts";

/**
 * File name of the journal inside a run folder.
 *
 * @example
 * ```ts
 * fs.existsSync(path.join(runFolder, JOURNAL_FILE)); // true only while a run writes, or after a crash
 * ```
 */
export const JOURNAL_FILE = "cases.jsonl";

/** One journal line: a case's record and how many cases this session has measured so far. */
interface JournalEntry {
  case: CaseRecord;
  ran: number;
}

/**
 * The journal line (with its newline) recording `record`.
 *
 * @example
 * ```ts
 * journalLine(record, 1); // '{"case":{...},"ran":1}\n'
 * ```
 */
export function journalLine(record: CaseRecord, ran: number): string {
  const entry: JournalEntry = { case: record, ran };
  return JSON.stringify(entry) + "\n";
}

/**
 * The manifest with the journal's records applied (in place), its summary recounted.
 *
 * @example
 * ```ts
 * const manifest = applyJournal(JSON.parse(manifestText), journalText);
 * ```
 */
export function applyJournal(manifest: Manifest, journal: string): Manifest {
  const lines = journal.split("\n");
  lines.pop(); // "" after the last newline, or an incomplete line
  if (lines.length === 0) return manifest;
  const position = new Map(manifest.cases.map((c, i) => [c.index, i]));
  let ran: number | undefined;
  for (const line of lines) {
    let entry: JournalEntry;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    const at = position.get(entry.case?.index);
    if (at === undefined) continue;
    manifest.cases[at] = entry.case;
    ran = entry.ran;
  }
  const session = manifest.sessions?.[manifest.sessions.length - 1];
  // A journal left by a crash just after a full write repeats older lines: never count backwards.
  if (session && ran !== undefined) session.ran = Math.max(session.ran, ran);
  manifest.summary = summarize(manifest.cases);
  return manifest;
}

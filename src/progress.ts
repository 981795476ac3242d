/**
 * Progress on stderr: one line per finished case (case i of N, its parameters, its time, elapsed
 * and ETA), readable in a pipe or a CI log; on a terminal a live line shows the running case.
 * The ETA comes from a cost model when one is given (src/eta.ts; it includes a study's witness
 * check after the cases), else from the average case so far.
 *
 * @example
 * ```ts
 * import { Progress } from "./progress.ts";
 * const progress = new Progress(12, process.stderr);
 * progress.begin("softmax seq_len=128 d=64");
 * progress.end("ok", "p50 52.1 µs");
 * ```
 * @module
 */
import type { Remaining } from "./eta.ts";
import { terminalSafe } from "./terminal_text.ts";

/** Where progress goes: anything with `write` and, for terminals, `isTTY`. */
export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * Case-by-case progress reporter.
 *
 * @example
 * ```ts
 * const p = new Progress(3, { write: (s) => lines.push(s) });
 * ```
 */
export class Progress {
  readonly #total: number;
  readonly #sink: ProgressSink | undefined;
  readonly #estimate: (() => Remaining | undefined) | undefined;
  readonly #started = performance.now();
  #done = 0;
  #caseStarted = 0;
  #label = "";

  /** `estimate` predicts the time left after each case (undefined: use the average so far). */
  constructor(total: number, sink?: ProgressSink, estimate?: () => Remaining | undefined) {
    this.#total = total;
    this.#sink = sink;
    this.#estimate = estimate;
  }

  /** A case starts. */
  begin(label: string): void {
    this.#label = terminalSafe(label);
    this.#caseStarted = performance.now();
    if (this.#sink?.isTTY) this.#sink.write(`\r\x1b[K[${this.#done + 1}/${this.#total}] ${this.#label} ...`);
  }

  /** The current case ended with `status`; `detail` is a short result. */
  end(status: string, detail = ""): void {
    this.#done++;
    // With no one to tell (-q), the ETA's cost model is not consulted: it walks the cases left.
    if (!this.#sink) return;
    const now = performance.now();
    const elapsed = (now - this.#started) / 1000;
    const took = formatSeconds((now - this.#caseStarted) / 1000);
    const line = `[${this.#done}/${this.#total}] ${this.#label} ${status}${
      detail ? ` ${terminalSafe(detail)}` : ""
    } (${took}; elapsed ${formatSeconds(elapsed)}, ${this.#eta(elapsed)})`;
    this.#sink?.write(`${this.#sink.isTTY ? "\r\x1b[K" : ""}${line}\n`);
  }

  #eta(elapsedSeconds: number): string {
    const model = this.#estimate?.();
    if (!model) return `ETA ${formatSeconds((elapsedSeconds / this.#done) * (this.#total - this.#done))}`;
    const total = formatSeconds((model.cases_ms + model.witness_ms) / 1000);
    return model.witness_ms > 0
      ? `ETA ${total} incl. ~${formatSeconds(model.witness_ms / 1000)} witness check`
      : `ETA ${total}`;
  }

  /** A line of its own (warnings, notes). */
  note(text: string): void {
    this.#sink?.write(`${this.#sink.isTTY ? "\r\x1b[K" : ""}${terminalSafe(text)}\n`);
  }
}

/**
 * Seconds as `850ms`, `12.3s` or `4m05s`.
 *
 * @example
 * ```ts
 * formatSeconds(245); // "4m05s"
 * ```
 */
export function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`;
}

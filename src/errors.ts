/**
 * The error hierarchy of attnbench. Every error a user can cause is one of these, carries a stable
 * `code` (listed in docs/errors.md) and renders as a single line; `cli.ts` prints that line and
 * exits with the class's exit code instead of a stack trace.
 *
 * @example
 * ```ts
 * import { SpecError } from "./errors.ts";
 * const err = new SpecError("SPEC_TYPE", "params.seq_len[1] must be a positive integer, found -5", {
 *   file: "specs/x.yaml", line: 7, column: 14,
 * });
 * err.toString(); // "specs/x.yaml:7:14: params.seq_len[1] must be a positive integer, found -5"
 * ```
 * @module
 */

/** Where in a file a problem was found (1-based line and column). */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

/**
 * Base class: a user-facing failure with a stable code and an exit code for the CLI.
 *
 * @example
 * ```ts
 * throw new AttnbenchError("IO_WRITE", "cannot write results/x.csv: disk full");
 * ```
 */
export class AttnbenchError extends Error {
  /** Stable machine-readable code, documented in docs/errors.md. */
  readonly code: string;
  /** Process exit code `cli.ts` uses for this error (1 unless given or set by a subclass). */
  readonly exitCode: number;

  constructor(code: string, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options?.exitCode ?? 1;
  }

  /** The one line a user sees. */
  override toString(): string {
    return this.message;
  }
}

/**
 * A mistake in a spec file or in the command line: exit code 2, message prefixed with the place.
 *
 * @example
 * ```ts
 * new SpecError("SPEC_UNKNOWN_FIELD", 'unknown field "colour"; expected one of: name, kernel', {
 *   file: "a.yaml", line: 3, column: 1,
 * }).toString(); // 'a.yaml:3:1: unknown field "colour"; expected one of: name, kernel'
 * ```
 */
export class SpecError extends AttnbenchError {
  override readonly exitCode = 2;
  readonly location?: SourceLocation;

  constructor(code: string, message: string, location?: SourceLocation, options?: { cause?: unknown }) {
    super(code, location ? `${formatLocation(location)}: ${message}` : message, options);
    this.location = location;
  }
}

/**
 * A profiler plugin or power source that could not be loaded or whose hook threw. The message
 * names the plugin and the hook: `[profiler power] stop failed: ...`.
 *
 * @example
 * ```ts
 * new PluginError("PLUGIN_HOOK", "power", "stop", new Error("EACCES")).message;
 * // "[profiler power] stop failed: EACCES"
 * ```
 */
export class PluginError extends AttnbenchError {
  readonly plugin: string;
  readonly hook?: string;

  constructor(code: string, plugin: string, hook: string | undefined, cause: unknown) {
    const what = hook ? `${hook} failed: ${describe(cause)}` : describe(cause);
    super(code, `[profiler ${plugin}] ${what}`, { cause });
    this.plugin = plugin;
    this.hook = hook;
  }
}

/**
 * A kernel that failed to prepare or run a case, or rejected its parameters.
 *
 * @example
 * ```ts
 * new KernelError("KERNEL_RUN", "softmax", new RangeError("d must be > 0")).message;
 * // "[kernel softmax] d must be > 0"
 * ```
 */
export class KernelError extends AttnbenchError {
  readonly kernel: string;

  constructor(code: string, kernel: string, cause: unknown) {
    super(code, `[kernel ${kernel}] ${describe(cause)}`, { cause });
    this.kernel = kernel;
  }
}

/**
 * The run was stopped by the user: Ctrl-C (SIGINT, exit code 130) or SIGTERM (exit code 143), as a
 * shell reports those signals. The finished cases stay written and the manifest says `interrupted`.
 *
 * @example
 * ```ts
 * new RunInterrupted("interrupted after 3 of 57 cases").exitCode; // 130
 * new RunInterrupted("interrupted after 3 of 57 cases", "SIGTERM").exitCode; // 143
 * ```
 */
export class RunInterrupted extends AttnbenchError {
  /** The signal that stopped the run. */
  readonly signal: "SIGINT" | "SIGTERM";

  constructor(message: string, signal: "SIGINT" | "SIGTERM" = "SIGINT") {
    super("RUN_INTERRUPTED", message, { exitCode: signal === "SIGTERM" ? 143 : 130 });
    this.signal = signal;
  }
}

/**
 * A results folder that cannot be used or written: it is a file, read-only, full, locked by
 * another run, or holds an earlier run. Exit code 2 when the folder is refused before anything is
 * measured (the user's to fix), 1 when writing fails in the middle of a run. The message says
 * what, where and what to do.
 *
 * @example
 * ```ts
 * new OutputError("OUTPUT_READ_ONLY", "cannot write to /mnt/ro/out: read-only file system; choose another --out").exitCode; // 2
 * ```
 */
export class OutputError extends AttnbenchError {
  constructor(code: string, message: string, options?: { cause?: unknown; exitCode?: 1 | 2 }) {
    super(code, message, { ...options, exitCode: options?.exitCode ?? 2 });
  }
}

/**
 * `file:line:column`, leaving out what is unknown.
 *
 * @example
 * ```ts
 * formatLocation({ file: "a.yaml", line: 2, column: 5 }); // "a.yaml:2:5"
 * ```
 */
export function formatLocation(location: SourceLocation): string {
  if (location.line === undefined) return location.file;
  return `${location.file}:${location.line}:${location.column ?? 1}`;
}

/**
 * The message of anything thrown, on one line.
 *
 * @example
 * ```ts
 * describe(new TypeError("bad\nthing")); // "bad thing"
 * describe("plain"); // "plain"
 * ```
 */
export function describe(thrown: unknown): string {
  const text = thrown instanceof Error ? thrown.message : String(thrown);
  return text.replace(/\s*\n\s*/g, " ").trim();
}

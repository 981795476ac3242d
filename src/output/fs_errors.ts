/**
 * Turns a file-system error met while preparing or writing a results folder into one
 * {@link OutputError} line: what happened, where, and what to do about it.
 *
 * @example
 * ```ts
 * import { outputFault } from "./fs_errors.ts";
 * try {
 *   await fs.mkdir("/proc/x");
 * } catch (error) {
 *   throw outputFault(error, "/proc/x", { during: "prepare" });
 * }
 * ```
 * @module
 */
import { describe, OutputError } from "../errors.ts";

/** Whether the run had started measuring when the fault happened (decides the exit code and advice). */
export interface FaultContext {
  /** `prepare`: nothing measured yet (exit 2); `run`: cases were written before (exit 1). */
  during: "prepare" | "run";
}

/**
 * The user-facing error for a failed file operation on `target`.
 *
 * @example
 * ```ts
 * outputFault(Object.assign(new Error("x"), { code: "EROFS" }), "/mnt/out", { during: "prepare" }).message;
 * // "cannot write to /mnt/out: the file system is read-only; choose another --out"
 * ```
 */
export function outputFault(error: unknown, target: string, context: FaultContext): OutputError {
  if (error instanceof OutputError) return error;
  const code = (error as { code?: string }).code ?? "";
  const later = context.during === "run";
  const retry = later ? "; then finish the run with --resume" : "";
  const exitCode = later ? 1 : 2;
  const make = (kind: string, message: string) => new OutputError(kind, message, { cause: error, exitCode });
  switch (code) {
    case "ENOTDIR":
    case "EEXIST":
      return make(
        "OUTPUT_NOT_A_FOLDER",
        `cannot use ${target} as a results folder: it, or a folder above it, is a file; choose another --out`,
      );
    case "EACCES":
    case "EPERM":
      return make(
        "OUTPUT_NO_PERMISSION",
        `cannot write to ${target}: permission denied; make it writable or choose another --out${retry}`,
      );
    case "EROFS":
      return make(
        "OUTPUT_READ_ONLY",
        `cannot write to ${target}: the file system is read-only; choose another --out${retry}`,
      );
    case "ENOSPC":
    case "EDQUOT":
      return make(
        "OUTPUT_NO_SPACE",
        `cannot write to ${target}: no space left on the device; free some space${
          later ? " and finish the run with --resume" : " or choose another --out"
        }`,
      );
    default:
      return make("OUTPUT_WRITE", `cannot write to ${target}: ${describe(error)}${retry}`);
  }
}

/**
 * The entry point of a case worker process (started by src/supervise/child_worker.ts): registers
 * the built-ins, then runs the worker loop of src/supervise/child_main.ts.
 *
 * @example
 * ```sh
 * deno run -A worker.ts --run results/softmax-sweep/20261206T230212Z-3f2a1c0d
 * ```
 * @module
 */
import "./builtins.ts";
import "./src/supervise/child_main.ts";

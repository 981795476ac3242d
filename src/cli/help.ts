/**
 * The text of `attnbench --help`.
 *
 * @example
 * ```ts
 * import { HELP } from "./help.ts";
 * console.log(HELP);
 * ```
 * @module
 */

/** Usage, commands, options and examples. */
export const HELP = `attnbench — benchmark attention kernels from declarative YAML specs

Usage:
  attnbench <spec.yaml> [options]          run a spec (same as: attnbench run <spec.yaml>)
  attnbench run <spec.yaml> [options]
  attnbench validate <spec.yaml>           check a spec and list nothing; exit 0 when valid
  attnbench schema                         print the spec's JSON Schema (for editor completion)
  attnbench verify <results-dir>           re-check a run's witness chains (links, bundle, re-run)
  attnbench plugins                        list built-in profilers and power sources, their options,
                                           and whether each is available here (and why not)

  (attnbench is: deno run -A cli.ts   or   bun cli.ts)

Options:
  --out DIR          results folder (default: the spec's output.dir, else results/<name>)
  --filter EXPR      run a subset: a config-hash prefix (4+ hex digits) or conditions
                     joined by commas, e.g. "seq_len>=256,d=64" or "kernel=softmax";
                     repeat --filter to run the union
  --dry-run          list the cases, their config hashes and the count; run nothing
  --strict           fail when a plugin is unavailable instead of skipping it
  -q, --quiet        no progress on stderr
  -h, --help         this text
  -V, --version      print the version

Examples:
  deno run -A cli.ts specs/mincut.yaml
  bun cli.ts specs/softmax-sweep.yaml --out /tmp/sweep
  deno run -A cli.ts specs/softmax-sweep.yaml --dry-run --filter "seq_len=128"
  deno run -A cli.ts validate specs/softmax-sweep.yaml
  deno run -A cli.ts schema > spec.schema.json
  deno run -A cli.ts verify results/mincut

Exit codes: 0 all cases measured; 1 a case or plugin failed; 2 a mistake in the spec or the
command line (the message names the file, field and line:column); 130 stopped by Ctrl-C after
the current case (finished cases stay written; a second Ctrl-C quits at once).
Docs: docs/spec.md (spec reference), docs/outputs.md (files written), docs/errors.md (codes).
`;

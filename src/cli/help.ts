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
  attnbench verify <results-dir> [--key PUB] [--trust]
                                           check a run: every file against seal.json (and its
                                           signature with --key), then a study's witness chains
                                           (links, bundle, re-run of every sample); a spec's
                                           results folder means its latest run
  attnbench keygen [PREFIX]                write an Ed25519 key pair PREFIX.key (private, 0600) and
                                           PREFIX.pub (default PREFIX: attnbench-signing)
  attnbench plugins                        list built-in profilers and power sources, their options,
                                           and whether each is available here (and why not)
  attnbench compare A B [options]          B against A, case by case: the median's change with a
                                           bootstrap 95 % interval and a Mann–Whitney p-value,
                                           classed improved / regressed / unchanged / inconclusive;
                                           A and B: run folders, a spec's results folder (its
                                           latest), latest, or a baseline name; one spec results
                                           folder alone compares its two newest runs
  attnbench history <spec-results-dir>     every run of a spec: each case's median, its change from
                                           run to run, and the run where it stepped
  attnbench baseline save RUN NAME         keep RUN as baseline NAME (<spec results>/baselines/NAME)
  attnbench merge SHARD... --out DIR       join shard runs of one spec (--shard i/N) into one run
                                           folder: refuses missing (unless --allow-partial),
                                           duplicated or foreign shards; a study's witness is
                                           re-sealed over the merged cases
  attnbench slurm <spec.yaml> --shards N   write a Slurm array (one shard per task) and a merge
                                           job that depends on it; --submit submits them, --wait
                                           polls squeue until the merge is done
  attnbench report RUN... [--figures]      write report.html into the first RUN: what ran, then
                                           plots (latency vs seq_len with fitted exponents, sample
                                           distributions, memory, energy, the min-cut grid and
                                           verdict, changes against the first RUN), one file with
                                           no script and no network; --figures also writes
                                           figures/<plot>.svg and .png for a two-column paper

  (attnbench is: deno run -A cli.ts   or   bun cli.ts)

Where results go:
  Without --out, each run writes a new folder results/<spec name>/<run id>/ (or under the
  spec's output.dir), <run id> being the UTC time and the spec's hash prefix, and points
  results/<spec name>/latest at it. --out DIR writes to DIR, which must be missing or empty.

Options:
  --out DIR          results folder for this run (refused if it holds an earlier run)
  --resume           continue the run in --out DIR (else the spec's latest run): keep its ok
                     cases as measured, run the failed, skipped and missing ones; refused if the spec
                     changed (bench.timeout_ms and bench.memory_limit_mb may change)
  --force            replace the earlier run in --out DIR, and run cases whose kernel's
                     memory() estimate exceeds what a case may use here (refused otherwise);
                     with --resume it only lifts the memory check
  --max-cases N      refuse a grid of more than N cases (default 10000), counted before
                     anything is expanded
  --sign KEY         sign the run's seal.json with the private key in KEY (from keygen);
                     ATTNBENCH_SIGNING_KEY=KEY does the same
  --key PUB          verify: the seal must be signed by this public key
  --trust            verify: import kernel files or packages the results folder names, to
                     re-run the witness (never done otherwise; plugins are never imported);
                     verify also takes --max-cases and --force, for the re-run
  --filter EXPR      run a subset: a config-hash prefix (4+ hex digits) or conditions
                     joined by commas, e.g. "seq_len>=256,d=64" or "kernel=softmax";
                     repeat --filter to run the union
  --dry-run          list the cases, their config hashes and the count; run nothing
  --shard i/N        run shard i of N (counted from 1): a deterministic slice balanced by
                     estimated cost, baselines with their cases; without it the shard comes
                     from SLURM_ARRAY_TASK_ID (dense 0-based array), JOB_COMPLETION_INDEX with
                     ATTNBENCH_SHARD_COUNT (Kubernetes), or ATTNBENCH_SHARD=i/N
  --allow-partial    merge: join the shards given although others are missing
  --spec FILE        merge: the spec the shards ran, when it is not where they ran it
  --shards N         slurm: the number of array tasks
  --partition P, --time T, --cpus-per-task C, --exclusive, --pin
                     slurm: sbatch options; --exclusive gives each shard a whole node, --pin
                     binds it to its cores (srun --cpu-bind=cores): benchmarks want either
  --submit, --wait   slurm: submit the scripts; then wait for the merge (polling squeue)
  --strict           fail when a plugin is unavailable instead of skipping it
  --in-process       measure in this process instead of a supervised worker: no time or
                     memory caps, a crashing kernel ends the run (for debugging with --inspect)
  --save-baseline N  after the run, keep it as baseline N (with --force, replace an old one)
  --no-report        do not write report.html when the run ends (written by default: it takes
                     under a second, against a run's tens of seconds)
  --figures          with a run or report: also write figures/<plot>.svg and .png (300 dpi,
                     fonts as outlines); report --out FILE.html: write the page there instead
  --format F         compare: table (default), markdown (for a pull request), json, csv
  --fail-on WHAT     compare: exit 1 on a full-confidence regression, improvement, or both
                     (regression,improvement)
  --noise X          compare, history: half-width of the noise band (default 0.1: ±10 %)
  --alpha X          compare: significance level of the Mann–Whitney test (default 0.05)
  --seed N           compare: seed of the bootstrap (default 1)
  --in DIR           compare: the spec results folder where baseline names and latest are found
  --json-schema      compare: print the JSON Schema of --format json
  -q, --quiet        no progress on stderr (failures are still printed)
  -h, --help         this text
  -V, --version      print the version

Examples:
  deno run -A cli.ts specs/mincut.yaml
  bun cli.ts specs/softmax-sweep.yaml --out /tmp/sweep
  deno run -A cli.ts specs/softmax-sweep.yaml --resume              # finish the latest run
  deno run -A cli.ts specs/softmax-sweep.yaml --out /tmp/sweep --resume
  deno run -A cli.ts specs/softmax-sweep.yaml --dry-run --filter "seq_len=128"
  deno run -A cli.ts validate specs/softmax-sweep.yaml
  deno run -A cli.ts schema > spec.schema.json
  deno run -A cli.ts verify results/mincut
  deno run -A cli.ts keygen lab && deno run -A cli.ts specs/mincut.yaml --sign lab.key
  deno run -A cli.ts verify results/mincut --key lab.pub
  deno run -A cli.ts specs/softmax-sweep.yaml --save-baseline main
  deno run -A cli.ts compare main latest --in results/softmax-sweep --fail-on regression
  deno run -A cli.ts compare results/softmax-sweep --format markdown   # its two newest runs
  deno run -A cli.ts history results/softmax-sweep
  deno run -A cli.ts specs/mincut.yaml --shard 2/3 --out /shared/mincut/shard-2
  deno run -A cli.ts merge /shared/mincut/shard-* --out /shared/mincut/merged
  deno run -A cli.ts slurm specs/mincut.yaml --shards 3 --exclusive --submit --wait
  deno run -A cli.ts report results/mincut --figures             # its latest run
  deno run -A cli.ts report results/softmax-sweep/2026* --out /tmp/sweeps.html

Each case runs in a worker process under a wall-clock cap (bench.timeout_ms, default 60 s +
3 × max_time_ms) and a memory cap (bench.memory_limit_mb, default half the machine's memory):
a case that hangs, exits, crashes or runs out of memory is recorded as failed with the cause,
and the next case runs.

Signals: the first Ctrl-C (or SIGTERM) stops the run after the current case; the second kills
the current case and stops at once; either way the finished cases stay written, the manifest
says "interrupted", and --resume finishes the run.

Trust: validate, --dry-run and a run import the kernel and plugin modules the spec names (their
schemas check their own options), as npm install runs scripts; use specs you trust. verify never
imports a plugin, and imports a kernel module named by a results folder only with --trust.

Exit codes:
  0    every case measured
  1    a case failed, or a plugin failed in setup, report or teardown (printed on stderr,
       even with -q; details in the manifest)
  2    a mistake in the spec, the command line or the output folder (one line naming the
       file, field and line:column, or the folder); nothing is measured
  130  stopped by Ctrl-C (SIGINT);  143  stopped by SIGTERM
  compare: 0, or 1 when --fail-on found what it names; 2 for a mistake
Docs: docs/spec.md (spec reference), docs/outputs.md (files written), docs/errors.md (codes),
docs/compare.md (compare, history, baselines), docs/report.md (report.html and figures),
docs/scale-out.md (shards on Slurm, Kubernetes and CI matrices, and merge).
`;

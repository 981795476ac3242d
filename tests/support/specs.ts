/**
 * Specs shared by the tests of supervision, signals, results folders and resume.
 *
 * @example
 * ```ts
 * import { faultSpec, SLOW_SPEC } from "./specs.ts";
 * writeSpec(dir, faultSpec({ fault: "spin", bench: "  timeout_ms: 2000\n" }));
 * ```
 * @module
 */
import path from "node:path";
import { ROOT } from "./temp.ts";

/** The fixtures folder. */
export const FIXTURES: string = path.join(ROOT, "tests", "fixtures");

/** What {@link faultSpec} varies. */
export interface FaultSpecOptions {
  /** How the kernel misbehaves at seq_len 8 (tests/fixtures/kernels/faulty.ts); `none` by default. */
  fault?: string;
  /** A file: the kernel misbehaves only while it exists. */
  trigger?: string;
  /** Extra `bench:` lines, e.g. `"  timeout_ms: 2000\n"`. */
  bench?: string;
  max_time_ms?: number;
  /** Lines after `bench:` (inputs, plugins). */
  extra?: string;
}

/**
 * Three quick cases (seq_len 4, 8, 16) of the faulty kernel, which misbehaves at seq_len 8.
 *
 * @example
 * ```ts
 * faultSpec({ fault: "exit" });
 * ```
 */
export function faultSpec(options: FaultSpecOptions = {}): string {
  return `version: 1
name: faults
kernel: ${path.join(FIXTURES, "kernels", "faulty.ts")}
params:
  seq_len: [4, 8, 16]
  d: 4
  fault: ${options.fault ?? "none"}
  fault_at: 8
  trigger: ${JSON.stringify(options.trigger ?? "")}
bench:
  min_samples: 3
  max_samples: 20
  min_time_ms: 1
  max_time_ms: ${options.max_time_ms ?? 200}
  warmup: 1
${options.bench ?? ""}${options.extra ?? ""}`;
}

/** Four ordinary softmax cases of about half a second each: time to send a signal between them. */
export const SLOW_SPEC = `version: 1
name: slow
kernel: softmax
params:
  seq_len: [8, 16, 24, 32]
  d: 4
bench:
  min_samples: 3
  min_time_ms: 400
  max_time_ms: 1000
  warmup: 20
`;

/** A small min-cut study: softmax baseline, mincut over variant × seq_len × λ × τ, 3 samples each. */
export const STUDY_SPEC = `version: 1
name: study-test
seed: 7
kernel: mincut
baseline: softmax
params:
  variant: [eps-only, reference]
  seq_len: [6, 12]
  d: 4
  lambda: [0.5, 1000]
  tau: [0, 2]
  eps: 0.01
exclude:
  - { variant: eps-only, lambda: 1000 }
inputs:
  samples: 3
bench: { min_samples: 2, max_samples: 20, min_time_ms: 1, max_time_ms: 50, warmup: 1 }
plugins: [latency, coherence, mincut-study]
`;

/**
 * The settings of {@link STUDY_SPEC}, in the study's order: each is a row of its csv/results.csv
 * and a witness chain (eps-only runs only at λ 0.5, so it has no λ in its name).
 */
export const STUDY_SETTINGS: readonly string[] = [
  "epsonly_t0",
  "epsonly_t2",
  "mincut_l0.5_t0",
  "mincut_l0.5_t2",
  "mincut_l1000_t0",
  "mincut_l1000_t2",
];

/**
 * Re-runs one case's witness lines: its samples in order on one fresh kernel instance, as the
 * runner ran them (a kernel's state, such as the min-cut gate's hysteresis, carries from one
 * sample to the next), rebuilding every line and comparing it byte for byte with the recorded one.
 * Cases are independent of each other, so `verify` may re-run them on several threads; each case
 * runs whole on one.
 *
 * @example
 * ```ts
 * import { replayCase } from "./case_replay.ts";
 * const failure = await replayCase(plan, plan.cases[3], lines, manifest.environment.runtime);
 * failure?.message; // "witness/mincut_l0.5_t0.jsonl line 2: output_hash differs from a re-run: …"
 * ```
 * @module
 */
import type { KernelInstance } from "../contracts.ts";
import { describe } from "../errors.ts";
import type { CasePlan, RunPlan } from "../plan.ts";
import { runtimeName } from "../runtime.ts";
import { chainLine, encodeMask } from "./entry.ts";
import { hashTensor } from "./hash_tensor.ts";

/** One recorded line to re-run. */
export interface ReplayLine {
  /** Its place among all the bundle's lines (chain by chain, line by line): the earliest failure is reported. */
  ordinal: number;
  /** Where it is, `witness/<setting>.jsonl line N`: the start of a failure's message. */
  at: string;
  text: string;
}

/** Where and why a re-run first diverged from the recorded lines. */
export interface ReplayFailure {
  /** The {@link ReplayLine.ordinal} of the line. */
  ordinal: number;
  /** One line, starting with where (`witness/x.jsonl line 3: …`). */
  message: string;
}

/**
 * Re-runs `lines` (every line of case `c`, in order) and returns the first that the re-run does
 * not reproduce, or `undefined` when all match. A kernel that throws is a failure at that line.
 * `recordedOn` is the runtime that wrote the lines, named in an output mismatch.
 *
 * @example
 * ```ts
 * await replayCase(plan, c, [{ ordinal: 0, at: "witness/s.jsonl line 1", text }], "deno"); // undefined
 * ```
 */
export async function replayCase(
  plan: RunPlan,
  c: CasePlan,
  lines: readonly ReplayLine[],
  recordedOn: string,
): Promise<ReplayFailure | undefined> {
  const replay = new CaseReplay(plan, c);
  for (const { ordinal, at, text } of lines) {
    const fail = (problem: string): ReplayFailure => ({ ordinal, message: `${at}: ${problem}` });
    const recorded = JSON.parse(text) as Record<string, unknown>;
    let rebuilt: string | { problem: string };
    try {
      rebuilt = await replay.next(recorded);
    } catch (error) {
      return fail(`re-running the sample threw: ${describe(error)}`);
    }
    if (typeof rebuilt !== "string") return fail(rebuilt.problem);
    if (rebuilt !== text) return fail(divergence(recorded, JSON.parse(rebuilt), recordedOn));
  }
  return undefined;
}

/** Re-runs one case's samples in order on a fresh instance, as the runner did. */
class CaseReplay {
  readonly #plan: RunPlan;
  readonly #case: CasePlan;
  #instance: KernelInstance | undefined;
  #index = 0;

  constructor(plan: RunPlan, c: CasePlan) {
    this.#plan = plan;
    this.#case = c;
  }

  /** The line the next sample should have produced, given the recorded line's timestamp and link. */
  async next(recorded: Record<string, unknown>): Promise<string | { problem: string }> {
    const i = this.#index++;
    if (recorded.sample_id !== i) {
      return {
        problem: `sample_id ${recorded.sample_id}, expected ${i} for case ${
          this.#case.config_hash.slice(0, 12)
        }… (lines out of order)`,
      };
    }
    const { generator, generatorOptions, loaded } = this.#plan;
    const c = this.#case;
    const seed = loaded.spec.seed + i;
    const inputs = generator.generate(c.shape, seed, generatorOptions);
    if (!this.#instance || !this.#instance.load) {
      this.#instance = c.kernel.definition.prepare(c.params, inputs);
    } else this.#instance.load(inputs);
    const instance = this.#instance;
    instance.run();
    const stats = instance.stats?.() ?? {};
    const mask = (instance as KernelInstance & { keepMask?: Uint8Array }).keepMask ?? new Uint8Array();
    const encoding = String(recorded.keep_mask).startsWith("b64:") ? "bitset" : "bools";
    return chainLine(
      {
        q_hash: await hashTensor(inputs.q),
        k_hash: await hashTensor(inputs.k),
        keep_mask: { json: encodeMask(mask, encoding) },
        cut_cost: stats.cut_cost ?? 0,
        lambda: Number(c.params.lambda),
        tau: Number(c.params.tau),
        eps: Number(c.params.eps),
        timestamp: Number(recorded.timestamp),
      },
      {
        output_hash: await hashTensor(instance.output),
        config_hash: c.config_hash,
        seed,
        sample_id: i,
        seq_len: c.shape.seq_len,
        prev_hash: String(recorded.prev_hash),
      },
      encoding,
    );
  }
}

function divergence(
  recorded: Record<string, unknown>,
  rebuilt: Record<string, unknown>,
  recordedOn: string,
): string {
  const field =
    Object.keys(rebuilt).find((k) => JSON.stringify(rebuilt[k]) !== JSON.stringify(recorded[k])) ??
      Object.keys(recorded).find((k) => !(k in rebuilt)) ?? "formatting";
  const show = (x: unknown) => {
    const text = JSON.stringify(x) ?? "nothing";
    return text.length > 40 ? `${text.slice(0, 37)}...` : text;
  };
  const note = field === "output_hash" && recordedOn !== runtimeName()
    ? ` (recorded on ${recordedOn}, re-run on ${runtimeName()}: exp() may round differently between engines; verify with ${recordedOn})`
    : "";
  return `${field} differs from a re-run: recorded ${show(recorded[field])}, re-run gives ${
    show(rebuilt[field])
  }${note}`;
}

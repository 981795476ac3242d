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
import type { AttentionInputs, KernelInstance } from "../contracts.ts";
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
  samples: SampleInputs = new SampleInputs(),
): Promise<ReplayFailure | undefined> {
  const replay = new CaseReplay(plan, c, samples);
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

/** A generated sample's inputs and the hashes of its Q and K. */
interface Sample {
  inputs: AttentionInputs;
  q_hash: string;
  k_hash: string;
}

/**
 * The inputs of the samples re-run last, with their Q and K hashes, for the cases that share them
 * (every case of one shape and seed: in the min-cut study, all eight settings of a seq_len).
 * Generating a sample is about a tenth of re-running it, and the runner shares inputs across
 * cases the same way (kernels only read their inputs). Holds at most {@link SampleInputs.BYTES}
 * of inputs, dropping the least recently used inputs key first.
 *
 * @example
 * ```ts
 * const samples = new SampleInputs();
 * await replayCase(plan, a, linesOfA, "deno", samples);
 * await replayCase(plan, b, linesOfB, "deno", samples); // b's inputs come from the cache when b shares a's
 * ```
 */
export class SampleInputs {
  /** Most bytes of Q, K and V kept. */
  static readonly BYTES = 64 * 2 ** 20;
  /** Per inputs key, most recently used last. */
  readonly #byKey = new Map<string, Map<number, Sample>>();
  #bytes = 0;

  /** Sample `index` of case `c`, generated (and hashed) unless kept. */
  async get(plan: RunPlan, c: CasePlan, index: number): Promise<Sample> {
    const samples = this.#byKey.get(c.inputs_key) ?? new Map<number, Sample>();
    this.#byKey.delete(c.inputs_key);
    this.#byKey.set(c.inputs_key, samples);
    let sample = samples.get(index);
    if (sample === undefined) {
      const { generator, generatorOptions, loaded } = plan;
      const inputs = generator.generate(c.shape, loaded.spec.seed + index, generatorOptions);
      sample = { inputs, q_hash: await hashTensor(inputs.q), k_hash: await hashTensor(inputs.k) };
      samples.set(index, sample);
      this.#bytes += sampleBytes(sample);
      this.#evict(c.inputs_key);
    }
    return sample;
  }

  /** Drops the least recently used keys, never `keep`, until the kept bytes fit. */
  #evict(keep: string): void {
    for (const [key, samples] of this.#byKey) {
      if (this.#bytes <= SampleInputs.BYTES || key === keep) return;
      for (const sample of samples.values()) this.#bytes -= sampleBytes(sample);
      this.#byKey.delete(key);
    }
  }
}

function sampleBytes({ inputs }: Sample): number {
  return inputs.q.byteLength + inputs.k.byteLength + inputs.v.byteLength;
}

/** Re-runs one case's samples in order on a fresh instance, as the runner did. */
class CaseReplay {
  readonly #plan: RunPlan;
  readonly #case: CasePlan;
  readonly #samples: SampleInputs;
  #instance: KernelInstance | undefined;
  #index = 0;

  constructor(plan: RunPlan, c: CasePlan, samples: SampleInputs) {
    this.#plan = plan;
    this.#case = c;
    this.#samples = samples;
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
    const c = this.#case;
    const seed = this.#plan.loaded.spec.seed + i;
    const { inputs, q_hash, k_hash } = await this.#samples.get(this.#plan, c, i);
    if (!this.#instance || !this.#instance.load) {
      // A kernel that acquires its device in `available` (WebGPU) needs it before `prepare`.
      await c.kernel.definition.available?.(c.params);
      this.#instance?.dispose?.();
      this.#instance = c.kernel.definition.prepare(c.params, inputs);
    } else this.#instance.load(inputs);
    const instance = this.#instance;
    const pending = instance.run();
    if (pending) await pending;
    const stats = instance.stats?.() ?? {};
    const mask = (instance as KernelInstance & { keepMask?: Uint8Array }).keepMask ?? new Uint8Array();
    const encoding = String(recorded.keep_mask).startsWith("b64:") ? "bitset" : "bools";
    return chainLine(
      {
        q_hash,
        k_hash,
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

/**
 * Measures cases: the work a worker process does for the supervisor (and what `--in-process`
 * does in the supervisor's own process). Per case: inputs → `kernel.prepare` → evaluation
 * samples → plugins' `start` → warm-up and timed loop (measure/sampler.ts) → plugins' `stop` and `tables`. It announces
 * each phase before entering it, so that a case that never returns can be named by where it hung.
 *
 * @example
 * ```ts
 * import { CaseExecutor } from "./executor.ts";
 * const executor = new CaseExecutor(plan, [0, 1], { outputDir, strict: false, disabled: [] }, hooks);
 * await executor.open();
 * const result = await executor.run(0);
 * await executor.close();
 * ```
 * @module
 */
import type {
  AttentionInputs,
  CaseContext,
  CaseOutcome,
  KernelAvailability,
  KernelInstance,
  RunContext,
} from "../contracts.ts";
import { caseInfo } from "../case_info.ts";
import { describe, KernelError } from "../errors.ts";
import { type PluginHook, PluginHost } from "../host.ts";
import { caseLimits } from "../limits.ts";
import { loadBetween, loadSnapshot } from "../machine_load.ts";
import { measureAsyncCall, measureCall } from "../measure/sampler.ts";
import { ResultsDir } from "../output/results_dir.ts";
import type { CasePlan, RunPlan } from "../plan.ts";
import { runtimeInfo } from "../runtime.ts";
import { caseQuality } from "../quality.ts";
import { nearestRank } from "../stats.ts";
import type { CaseResult, Closed, Opened, Reported } from "./protocol.ts";

/**
 * Share of `timeout_ms`, from the case's start, after which the timed loop takes no further
 * sample: the rest is left for the plugins' `stop` and `tables`.
 */
const DEADLINE_SHARE = 0.8;

/** A case's context before its kernel is prepared. */
type CaseBase = Omit<CaseContext, "instance">;

/** The evaluation samples' current instance; none between disposing one and preparing the next. */
interface Held {
  instance: KernelInstance | undefined;
}

/** Where the executor writes and what it leaves out. */
export interface ExecutorSettings {
  outputDir: string;
  strict: boolean;
  /** Names of plugins not to start. */
  disabled: string[];
}

/** What the executor tells its supervisor while it works. */
export interface ExecutorHooks {
  /** Called before each phase: `prepare()`, `run()`, `[profiler power] start()` (with its hook), ... */
  phase(phase: string, hook?: PluginHook): void;
  /** Called after a report hook wrote a file into the results folder (relative path). */
  file(relative: string): void;
}

/**
 * Runs the cases of one plan, one at a time, on one set of plugin instances.
 *
 * @example
 * ```ts
 * const executor = new CaseExecutor(plan, selected, settings, { phase: () => {}, file: () => {} });
 * ```
 */
export class CaseExecutor {
  readonly #plan: RunPlan;
  readonly #position: Map<number, number>;
  readonly #total: number;
  readonly #hooks: ExecutorHooks;
  readonly #host: PluginHost;
  readonly #run: RunContext;
  readonly #inputs = new Map<string, AttentionInputs>();
  /** Selected cases not yet run or replayed here, per inputs_key: inputs are freed at zero. */
  readonly #pending = new Map<string, number>();

  constructor(plan: RunPlan, selected: number[], settings: ExecutorSettings, hooks: ExecutorHooks) {
    this.#plan = plan;
    this.#position = new Map(selected.map((index, position) => [index, position]));
    this.#total = selected.length;
    for (const index of selected) {
      const key = plan.cases[index].inputs_key;
      this.#pending.set(key, (this.#pending.get(key) ?? 0) + 1);
    }
    this.#hooks = hooks;
    const env = runtimeInfo();
    const specDir = plan.loaded.dir;
    const plugins = plan.plugins.filter((p) => !settings.disabled.includes(p.definition.name));
    this.#host = new PluginHost(plugins, { env, outputDir: settings.outputDir, specDir }, {
      strict: settings.strict,
      onPhase: hooks.phase,
    });
    const dir = new ResultsDir(settings.outputDir);
    this.#run = {
      env,
      outputDir: settings.outputDir,
      specDir,
      cases: selected.length,
      writeFile: async (relative, data) => {
        await dir.writeFile(relative, data);
        hooks.file(relative);
      },
    };
  }

  /** Detects, creates and sets up the plugins (`strict`: an unavailable one throws). */
  async open(): Promise<Opened> {
    await this.#host.open(this.#run);
    return { statuses: this.#host.statuses, wantsSamples: this.#host.wantsSamples };
  }

  /** Measures the case at plan index `index`; a failure is returned, not thrown. */
  async run(index: number): Promise<CaseResult> {
    const result: CaseResult = { status: "failed", metrics: {}, tables: [] };
    const deadline = performance.now() + DEADLINE_SHARE * caseLimits(this.#plan.budget).timeout_ms;
    let instance: KernelInstance | undefined;
    try {
      const c = this.#plan.cases[index];
      const availability = await this.#availability(c);
      if (typeof availability === "string") {
        this.#release(index);
        return { status: "skipped", error: availability, metrics: {}, tables: [] };
      }
      if (availability !== true) result.device = availability.device;
      const base = this.#caseOf(index)[1];
      instance = this.#prepare(c, base.inputs);
      const ctx: CaseContext = { ...base, instance };
      if (this.#host.wantsSamples) await this.#samples(c, base, false);
      await this.#host.start(ctx);
      this.#hooks.phase("run()");
      let measurement;
      const before = loadSnapshot();
      try {
        measurement = instance.asynchronous
          ? await measureAsyncCall(
            () => ctx.instance.run() as Promise<void>,
            this.#plan.budget,
            deadline,
            () => ctx.instance.deviceTimeNs?.(),
          )
          : await measureCall(() => ctx.instance.run(), this.#plan.budget, deadline);
      } catch (cause) {
        throw new KernelError("KERNEL_RUN", c.kernel.definition.name, cause);
      }
      const load = loadBetween(before, loadSnapshot());
      result.metrics = await this.#host.stop(ctx, measurement);
      result.tables = await this.#host.tables(ctx);
      const samples = measurement.samples_ns;
      result.timing = {
        median_ns: nearestRank(samples, 50),
        p25_ns: nearestRank(samples, 25),
        p75_ns: nearestRank(samples, 75),
        ...(measurement.kernel_samples_ns
          ? { kernel_median_ns: nearestRank([...measurement.kernel_samples_ns].sort((a, b) => a - b), 50) }
          : {}),
        samples: samples.length,
        calls: measurement.total_calls,
        warmup_calls: measurement.warmup_calls,
        warmup_ms: measurement.warmup_ms,
        loop_ms: measurement.duration_ms,
        quality: caseQuality(measurement, this.#plan.budget, load),
        load,
      };
      result.status = "ok";
    } catch (error) {
      result.error = describe(error);
    }
    this.#dispose(instance);
    this.#release(index);
    // Let work the case left queued (a kernel's timer) run now, so what it throws is this case's.
    this.#hooks.phase("the wait for timers the case left behind");
    await new Promise((resolve) => setTimeout(resolve, 0));
    return result;
  }

  /**
   * Runs the evaluation samples of an already measured case through the plugins' `sample` hooks
   * again (with `replay: true`, no timed window), so that state they keep across cases is rebuilt
   * in a fresh worker: after a crash, or when a run is resumed.
   */
  async replay(index: number): Promise<void> {
    // A kernel that acquires its device in `available` needs it before `prepare` here too.
    if (this.#host.wantsSamples && typeof await this.#availability(this.#plan.cases[index]) !== "string") {
      await this.#samples(...this.#caseOf(index), true);
    }
    this.#release(index);
  }

  /** Calls the plugins' `report` hooks; a hook that throws is returned as an error line. */
  async report(outcomes: CaseOutcome[]): Promise<Reported> {
    this.#hooks.phase("report");
    const { texts, errors } = await this.#host.report(this.#run, outcomes);
    return { texts, errors: errors.map((e) => e.message) };
  }

  /** Tears the plugins down, in reverse order. */
  async close(): Promise<Closed> {
    await this.#host.close(this.#run);
    return { statuses: this.#host.statuses, errors: this.#host.teardownErrors.map((e) => e.message) };
  }

  /** The case at plan index `index` and what plugins are told of it, its inputs (sample 0) generated. */
  #caseOf(index: number): [CasePlan, CaseBase] {
    const c = this.#plan.cases[index];
    const position = this.#position.get(index) ?? index;
    this.#hooks.phase("input generation");
    const inputs = this.#inputsFor(c, 0);
    return [c, { ...this.#run, case: caseInfo(c, position, this.#total), inputs }];
  }

  /** Evaluation samples on one fresh instance, in order, outside the timed window. */
  async #samples(c: CasePlan, base: CaseBase, replay: boolean): Promise<void> {
    const held: Held = { instance: this.#prepare(c, base.inputs) };
    try {
      for (let index = 0; index < this.#plan.loaded.spec.inputs.samples; index++) {
        await this.#sample(c, base, replay, index, held);
      }
    } finally {
      this.#dispose(held.instance);
    }
  }

  /**
   * Evaluation sample `index` on the held instance, or on a new one for a kernel without `load`
   * (the old one is disposed, and `held` names the new one as soon as it exists, so whatever
   * fails each instance is disposed exactly once).
   */
  async #sample(c: CasePlan, base: CaseBase, replay: boolean, index: number, held: Held): Promise<void> {
    this.#hooks.phase(`evaluation sample ${index}`);
    const inputs = this.#inputsFor(c, index);
    if (index > 0) {
      if (held.instance?.load) held.instance.load(inputs);
      else {
        this.#dispose(held.instance);
        held.instance = undefined;
        held.instance = this.#prepare(c, inputs);
      }
    }
    const instance = held.instance!;
    this.#hooks.phase(`run() of evaluation sample ${index}`);
    const t0 = performance.now();
    try {
      // Awaited only when it is a promise: a synchronous call's time stays the call's alone.
      const pending = instance.run();
      if (pending) await pending;
    } catch (cause) {
      throw new KernelError("KERNEL_RUN", c.kernel.definition.name, cause);
    }
    const wall_time_us = (performance.now() - t0) * 1000;
    await this.#host.sample({ ...base, instance, inputs }, {
      index,
      seed: this.#plan.loaded.spec.seed + index,
      inputs,
      instance,
      wall_time_us,
      replay,
    });
  }

  #inputsFor(c: CasePlan, sample: number): AttentionInputs {
    const key = `${c.inputs_key}#${sample}`;
    let inputs = this.#inputs.get(key);
    if (!inputs) {
      const { generator, generatorOptions, loaded } = this.#plan;
      inputs = generator.generate(c.shape, loaded.spec.seed + sample, generatorOptions);
      this.#inputs.set(key, inputs);
    }
    return inputs;
  }

  /**
   * The case at `index` is done here: once no selected case left needs its inputs, they are
   * dropped, so a run of many shapes holds only the inputs still to be used (a 10 000-case run
   * would otherwise keep every case's Q, K and V, and slow down as its heap grew).
   */
  #release(index: number): void {
    const key = this.#plan.cases[index].inputs_key;
    const left = (this.#pending.get(key) ?? 1) - 1;
    if (left > 0) {
      this.#pending.set(key, left);
      return;
    }
    this.#pending.delete(key);
    for (let sample = 0; sample < this.#plan.loaded.spec.inputs.samples; sample++) {
      this.#inputs.delete(`${key}#${sample}`);
    }
  }

  /**
   * Whether the case's kernel can run here (its `available`, asked for every case and replay; a
   * kernel caches what it acquires); one that throws there fails the case like `prepare` would.
   */
  async #availability(c: CasePlan): Promise<KernelAvailability> {
    const definition = c.kernel.definition;
    if (!definition.available) return true;
    this.#hooks.phase("available()");
    try {
      return await definition.available(c.params);
    } catch (cause) {
      throw new KernelError("KERNEL_PREPARE", definition.name, cause);
    }
  }

  /** Releases what an instance holds outside the JS heap; a failure there is not the case's. */
  #dispose(instance: KernelInstance | undefined): void {
    try {
      instance?.dispose?.();
    } catch {
      // The case's result is already decided; a buffer that will not be destroyed is reclaimed
      // with the device when the worker exits.
    }
  }

  #prepare(c: CasePlan, inputs: AttentionInputs): KernelInstance {
    this.#hooks.phase("prepare()");
    try {
      return c.kernel.definition.prepare(c.params, inputs);
    } catch (cause) {
      throw new KernelError("KERNEL_PREPARE", c.kernel.definition.name, cause);
    }
  }
}

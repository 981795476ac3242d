/**
 * `--in-process`: the cases run in the supervisor's own process, with no worker between. Meant for
 * debugging a kernel (`deno run -A --inspect-brk cli.ts ... --in-process`): there is no time or
 * memory cap, and a kernel that hangs, exits or crashes takes the run with it.
 *
 * @example
 * ```ts
 * import { InProcessWorker } from "./in_process_worker.ts";
 * const worker = new InProcessWorker(plan, openCommand, { onFile: () => {} });
 * await worker.open();
 * ```
 * @module
 */
import type { CaseOutcome } from "../contracts.ts";
import type { RunPlan } from "../plan.ts";
import { CaseExecutor } from "./executor.ts";
import type { CaseResult, Closed, OpenCommand, Opened, Reported } from "./protocol.ts";
import type { CaseWorker } from "./worker.ts";

/**
 * The cases measured right here.
 *
 * @example
 * ```ts
 * const worker = new InProcessWorker(plan, open, { onFile });
 * ```
 */
export class InProcessWorker implements CaseWorker {
  readonly #executor: CaseExecutor;
  readonly lost = false;

  /** Measures the cases of `plan` (the supervisor's own) as `open` describes. */
  constructor(plan: RunPlan, open: OpenCommand, hooks: { onFile(relative: string): void }) {
    const settings = { outputDir: open.outputDir, strict: open.strict, disabled: open.disabled };
    this.#executor = new CaseExecutor(plan, open.selected, settings, { phase: () => {}, file: hooks.onFile });
  }

  open(): Promise<Opened> {
    return this.#executor.open();
  }

  run(index: number): Promise<CaseResult> {
    return this.#executor.run(index);
  }

  replay(index: number): Promise<void> {
    return this.#executor.replay(index);
  }

  report(outcomes: CaseOutcome[]): Promise<Reported> {
    return this.#executor.report(outcomes);
  }

  close(): Promise<Closed> {
    return this.#executor.close();
  }

  kill(): void {
    // Nothing runs apart from this process; a second Ctrl-C ends it through the CLI.
  }
}

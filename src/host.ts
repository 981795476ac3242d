/**
 * The plugin host: decides which plugins are usable here, calls their hooks in order, wraps every
 * error with the plugin's name and hook, and always tears down, in reverse order.
 *
 * @example
 * ```ts
 * import { PluginHost } from "./host.ts";
 * const host = new PluginHost(plan.plugins, { env, outputDir, specDir }, { strict: false });
 * await host.open(runContext);
 * try {
 *   await host.start(caseContext);
 *   const metrics = await host.stop(caseContext, measurement);
 * } finally {
 *   await host.close(runContext);
 * }
 * ```
 * @module
 */
import type {
  CaseContext,
  CaseOutcome,
  HostContext,
  Measurement,
  MetricDescription,
  Metrics,
  ProfilerInstance,
  RunContext,
  Sample,
  Table,
} from "./contracts.ts";
import { PROFILER_HOOKS, strayKeysProblem } from "./definition_keys.ts";
import { describe, PluginError } from "./errors.ts";
import type { PluginStatus } from "./output/manifest.ts";
import { CORE_COLUMNS, metricColumn } from "./output/result_rows.ts";
import type { ResolvedPlugin } from "./resolve.ts";

/** A plugin's hook, as the host names it: `{ plugin: "power", hook: "setup" }`. */
export interface PluginHook {
  plugin: string;
  hook: string;
}

interface Active {
  name: string;
  instance: ProfilerInstance;
}

/**
 * Runs the hooks of a run's plugins.
 *
 * @example
 * ```ts
 * const host = new PluginHost(plugins, hostContext, { strict: true });
 * ```
 */
export class PluginHost {
  readonly #plugins: ResolvedPlugin[];
  readonly #context: HostContext;
  readonly #strict: boolean;
  readonly #statuses: PluginStatus[] = [];
  readonly #active: Active[] = [];
  readonly #teardownErrors: PluginError[] = [];
  readonly #onPhase: (phase: string, hook?: PluginHook) => void;

  /**
   * `onPhase` is told `[profiler NAME] HOOK()`, and which plugin and hook that is, before each
   * hook is called, so a hook that never
   * returns can be named.
   */
  constructor(
    plugins: ResolvedPlugin[],
    context: HostContext,
    options: { strict: boolean; onPhase?: (phase: string, hook?: PluginHook) => void },
  ) {
    this.#plugins = plugins;
    this.#context = context;
    this.#strict = options.strict;
    this.#onPhase = options.onPhase ?? (() => {});
  }

  /** Status of every plugin so far. */
  get statuses(): PluginStatus[] {
    return this.#statuses.map((s) => ({ ...s }));
  }

  /** Errors thrown by teardown hooks (the run still finishes). */
  get teardownErrors(): PluginError[] {
    return [...this.#teardownErrors];
  }

  /**
   * Detects, creates and sets up every plugin. An unavailable plugin is skipped (or, with
   * `strict`, fails the run); a plugin whose setup throws is marked failed the same way.
   */
  async open(run: RunContext): Promise<void> {
    for (const plugin of this.#plugins) {
      const { definition } = plugin;
      const status: PluginStatus = {
        name: definition.name,
        ref: plugin.ref,
        origin: plugin.origin,
        options: plugin.options,
        status: "active",
        ...(plugin.package ? { package: plugin.package } : {}),
        ...(definition.metrics ? { metrics: definition.metrics } : {}),
      };
      this.#statuses.push(status);
      const available = await this.#guard(
        definition.name,
        "detect",
        () => definition.detect?.(this.#context.env, plugin.options, this.#context) ?? true,
      );
      if (isNote(available)) {
        status.reason = available.note;
      } else if (available !== true) {
        status.status = "skipped";
        status.reason = String(available);
        if (this.#strict) {
          throw new PluginError(
            "PLUGIN_UNAVAILABLE",
            definition.name,
            undefined,
            `unavailable (--strict): ${available}`,
          );
        }
        continue;
      }
      try {
        const instance = await this.#guard(
          definition.name,
          "create",
          () => definition.create(plugin.options, this.#context),
        );
        checkInstance(definition.name, instance);
        this.#active.push({ name: definition.name, instance });
        await this.#guard(definition.name, "setup", () => instance.setup?.(run));
      } catch (error) {
        status.status = "failed";
        status.reason = describe(error);
        if (this.#strict) throw error;
      }
    }
  }

  /** Calls `start` of every active plugin, in spec order. */
  async start(ctx: CaseContext): Promise<void> {
    for (const { name, instance } of this.#usable()) {
      await this.#guard(name, "start", () => instance.start?.(ctx));
    }
  }

  /**
   * Calls `stop` in reverse order and returns each plugin's metrics by plugin name.
   */
  async stop(ctx: CaseContext, measurement: Measurement): Promise<Record<string, Metrics>> {
    const results = new Map<string, unknown>();
    for (const { name, instance } of [...this.#usable()].reverse()) {
      results.set(name, await this.#guard(name, "stop", () => instance.stop(ctx, measurement)));
    }
    // Checked in spec order, so a plugin listed earlier keeps its columns. Taken so far: the
    // core's, the parameters', then each plugin's as it is checked.
    const taken = new Map<string, string>([
      ...CORE_COLUMNS.map((c): [string, string] => [c, "attnbench itself"]),
      ...Object.keys(ctx.case.params).map((p): [string, string] => [p, `parameter ${p}`]),
    ]);
    const declared = new Map(this.#plugins.map((p) => [p.definition.name, p.definition.metrics]));
    const checked = new Map(
      this.#usable().map((
        { name },
      ) => [name, checkMetrics(name, results.get(name), taken, declared.get(name))]),
    );
    // In the order the hooks ran (reverse), as results.csv's columns have always been.
    return Object.fromEntries([...results.keys()].map((name) => [name, checked.get(name)!]));
  }

  /** Whether any active plugin wants evaluation samples. */
  get wantsSamples(): boolean {
    return this.#usable().some(({ instance }) => typeof instance.sample === "function");
  }

  /** Calls `sample` of every active plugin, in spec order. */
  async sample(ctx: CaseContext, sample: Sample): Promise<void> {
    for (const { name, instance } of this.#usable()) {
      await this.#guard(name, "sample", () => instance.sample?.(ctx, sample));
    }
  }

  /**
   * Calls `report` of every active plugin in spec order; returns the texts they gave and the
   * errors of those that threw (the others still report).
   */
  async report(run: RunContext, cases: CaseOutcome[]): Promise<{ texts: string[]; errors: PluginError[] }> {
    const texts: string[] = [];
    const errors: PluginError[] = [];
    for (const { name, instance } of this.#usable()) {
      try {
        const text = await this.#guard(name, "report", () => instance.report?.(run, cases));
        if (typeof text === "string" && text) texts.push(text);
      } catch (error) {
        errors.push(error as PluginError);
      }
    }
    return { texts, errors };
  }

  /** Per-case tables of every active plugin. */
  async tables(ctx: CaseContext): Promise<Table[]> {
    const tables: Table[] = [];
    for (const { name, instance } of this.#usable()) {
      const own = await this.#guard(name, "tables", () => instance.tables?.(ctx) ?? []);
      for (const table of own) {
        checkTableName(name, table);
        checkTableCells(name, table);
      }
      tables.push(...own);
    }
    return tables;
  }

  /** Calls every created plugin's `teardown`, in reverse order, whatever happened before. */
  async close(run: RunContext): Promise<void> {
    for (const { name, instance } of [...this.#active].reverse()) {
      try {
        await this.#guard(name, "teardown", () => instance.teardown?.(run));
      } catch (error) {
        this.#teardownErrors.push(error as PluginError);
      }
    }
    this.#active.length = 0;
  }

  #usable(): Active[] {
    const failed = new Set(this.#statuses.filter((s) => s.status !== "active").map((s) => s.name));
    return this.#active.filter((a) => !failed.has(a.name));
  }

  async #guard<T>(name: string, hook: string, fn: () => T | Promise<T>): Promise<T> {
    this.#onPhase(`[profiler ${name}] ${hook}()`, { plugin: name, hook });
    try {
      return await fn();
    } catch (cause) {
      if (cause instanceof PluginError) throw cause;
      throw new PluginError("PLUGIN_HOOK", name, hook, cause);
    }
  }
}

/** A plugin table's numbers must be finite: a CSV cell cannot say NaN honestly. */
function checkTableCells(name: string, table: Table): void {
  for (const [i, row] of (table?.rows ?? []).entries()) {
    const at = row.findIndex((cell) => typeof cell === "number" && !Number.isFinite(cell));
    if (at >= 0) {
      throw new PluginError(
        "PLUGIN_RESULT",
        name,
        undefined,
        `tables returned ${row[at]} in table ${table.name}, row ${i}, column ${
          table.columns?.[at] ?? at
        }; expected a finite number (or null for "not measured")`,
      );
    }
  }
}

function isNote(available: unknown): available is { available: true; note: string } {
  return typeof available === "object" && available !== null &&
    (available as { available?: unknown }).available === true &&
    typeof (available as { note?: unknown }).note === "string";
}

/**
 * A plugin's metrics as results.csv can hold them: a flat object of numbers, text, booleans or
 * null; numbers finite; no column (`<plugin>_<metric>`) already `taken` by the core, a parameter
 * or another plugin's metric (it then takes its own); where the plugin declares its metrics, only
 * those, each of its declared type.
 */
function checkMetrics(
  name: string,
  result: unknown,
  taken: Map<string, string>,
  declared: Record<string, MetricDescription> | undefined,
): Metrics {
  if (result === undefined || result === null) return {};
  if (typeof result !== "object" || Array.isArray(result)) {
    throw new PluginError(
      "PLUGIN_RESULT",
      name,
      "stop",
      `returned ${typeof result}; expected a flat object of metrics`,
    );
  }
  for (const [key, value] of Object.entries(result)) {
    const ok = value === null || ["number", "string", "boolean"].includes(typeof value);
    if (!ok) {
      throw new PluginError(
        "PLUGIN_RESULT",
        name,
        "stop",
        `metric "${key}" is ${
          Array.isArray(value) ? "a list" : typeof value
        }; expected a number, string, boolean or null`,
      );
    }
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new PluginError(
        "PLUGIN_RESULT",
        name,
        undefined,
        `stop returned ${key} = ${value}; expected a finite number (or null for "not measured")`,
      );
    }
    if (declared) checkDeclared(name, key, value, declared);
    const column = metricColumn(name, key);
    const owner = taken.get(column);
    if (owner !== undefined) {
      throw new PluginError(
        "PLUGIN_RESULT",
        name,
        undefined,
        `stop returned metric "${key}", which would be written as results.csv column "${column}", a column ${owner} writes; expected another metric name`,
      );
    }
  }
  for (const key of Object.keys(result)) taken.set(metricColumn(name, key), `plugin ${name}`);
  return result as Metrics;
}

/** A metric a plugin declared, returned with a value of its declared type (null: not measured). */
function checkDeclared(
  name: string,
  key: string,
  value: unknown,
  declared: Record<string, MetricDescription>,
) {
  const description = Object.hasOwn(declared, key) ? declared[key] : undefined;
  if (!description) {
    throw new PluginError(
      "PLUGIN_RESULT",
      name,
      "stop",
      `returned metric "${key}", which its metrics declaration does not list; expected one of: ${
        Object.keys(declared).join(", ")
      }`,
    );
  }
  if (value === null) return;
  const fits = description.type === "string"
    ? typeof value === "string"
    : description.type === "boolean"
    ? typeof value === "boolean"
    : description.type === "integer"
    ? Number.isSafeInteger(value)
    : typeof value === "number";
  if (!fits) {
    throw new PluginError(
      "PLUGIN_RESULT",
      name,
      "stop",
      `returned ${key} = ${JSON.stringify(value)}; its metrics declaration says ${description.type}`,
    );
  }
}

/**
 * What `create` returned is a set of hooks with a `stop`, and nothing else: a misspelt hook
 * (`stpo`, `teardwon`) fails the plugin here, named, instead of being silently never called.
 */
function checkInstance(name: string, instance: unknown): asserts instance is ProfilerInstance {
  if (typeof instance !== "object" || instance === null) {
    throw new PluginError(
      "PLUGIN_INVALID",
      name,
      "create",
      `returned ${
        instance === null ? "null" : typeof instance
      }; expected an object of hooks with at least stop(ctx, measurement)`,
    );
  }
  const problem = strayKeysProblem(instance, PROFILER_HOOKS, "hook") ??
    (typeof (instance as ProfilerInstance).stop === "function"
      ? undefined
      : "no stop(ctx, measurement) hook, which every profiler needs");
  if (problem) throw new PluginError("PLUGIN_INVALID", name, "create", `returned ${problem}`);
}

/**
 * A plugin's table is its own: named after the plugin (`latency`), or prefixed with its name
 * (`latency-raw`, `latency_raw`), so no plugin can write into another's `<table>/` folder.
 */
function checkTableName(name: string, table: Table): void {
  const own = table.name === name || table.name.startsWith(`${name}-`) || table.name.startsWith(`${name}_`);
  if (!own) {
    throw new PluginError(
      "PLUGIN_RESULT",
      name,
      undefined,
      `tables returned a table named "${table.name}"; expected "${name}" or a name starting with "${name}-" (a plugin writes only its own tables)`,
    );
  }
}

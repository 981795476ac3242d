/**
 * Turns a valibot issue into the one line a user reads: place, field path, what was expected, what
 * was found.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * import { issueToError } from "./issues.ts";
 * const result = v.safeParse(v.object({ d: v.number("a number") }), { d: "x" });
 * if (!result.success) throw issueToError(result.issues, ["spec"], source);
 * // "a.yaml:3:6: d: expected a number, found "x""
 * ```
 * @module
 */
import type * as v from "valibot";
import { SpecError } from "../errors.ts";
import type { FieldPath, YamlSource } from "./yaml_source.ts";

/**
 * `params.seq_len[1]` from `["params", "seq_len", 1]`.
 *
 * @example
 * ```ts
 * formatPath(["params", "seq_len", 1]); // "params.seq_len[1]"
 * ```
 */
export function formatPath(path: FieldPath): string {
  let out = "";
  for (const step of path) out += typeof step === "number" ? `[${step}]` : out ? `.${step}` : step;
  return out;
}

/**
 * A value as a user would write it, shortened.
 *
 * @example
 * ```ts
 * renderValue("high"); // '"high"'
 * renderValue(undefined); // "nothing"
 * ```
 */
export function renderValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : `a list of ${value.length}`;
  if (typeof value === "object") return "a map";
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * A {@link SpecError} for the first issue, located in the YAML source; `base` is the path of the
 * validated value within the document. Further issues are counted in the message.
 *
 * @example
 * ```ts
 * issueToError(issues, ["params"], source).message;
 * ```
 */
export function issueToError(
  issues: readonly v.BaseIssue<unknown>[],
  base: FieldPath,
  source: YamlSource,
  schema?: v.GenericSchema,
): SpecError {
  const issue = deepestIssue(issues[0]);
  const relative = (issue.path ?? []).map((item) => item.key as string | number);
  const path: (string | number)[] = [...base, ...relative];
  const more = issues.length > 1
    ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})`
    : "";
  if (issue.type === "strict_object" && issue.expected === "never") {
    const field = String(path[path.length - 1]);
    const known = schema ? fieldsAt(schema, relative.slice(0, -1)).join(", ") : "";
    const where = formatPath(path.slice(0, -1));
    const message = `unknown field "${field}"${where ? ` in ${where}` : ""}; expected one of: ${known}`;
    return new SpecError("SPEC_UNKNOWN_FIELD", message + more, source.locate(path, { key: true }));
  }
  const missing = issue.input === undefined && issue.kind === "schema";
  const expected = issue.message.startsWith("Invalid") ? (issue.expected ?? "a valid value") : issue.message;
  const found = missing ? "nothing (the field is missing)" : renderValue(issue.input);
  const label = formatPath(path) || "spec";
  return new SpecError(
    "SPEC_INVALID",
    `${label}: expected ${expected}, found ${found}${more}`,
    source.locate(path),
  );
}

function deepestIssue(issue: v.BaseIssue<unknown>): v.BaseIssue<unknown> {
  // A union reports one issue per branch; the branch that got furthest says the most.
  const nested = issue.issues;
  if (!nested?.length || issue.type !== "union") return issue;
  const best = [...nested].sort((a, b) => (b.path?.length ?? 0) - (a.path?.length ?? 0))[0];
  return (best.path?.length ?? 0) > (issue.path?.length ?? 0) ? deepestIssue(best) : issue;
}

interface SchemaShape {
  entries?: Record<string, SchemaShape>;
  wrapped?: SchemaShape;
}

/**
 * The field names an object schema accepts at `path` (through optional wrappers and pipes).
 *
 * @example
 * ```ts
 * fieldsAt(specSchema, ["bench"]); // ["min_samples", "max_samples", ...]
 * ```
 */
export function fieldsAt(schema: v.GenericSchema, path: FieldPath): string[] {
  let node: SchemaShape | undefined = schema as unknown as SchemaShape;
  for (const step of [...path, null]) {
    while (node?.wrapped) node = node.wrapped;
    if (step === null || !node?.entries) break;
    node = node.entries[String(step)];
  }
  return Object.keys(node?.entries ?? {});
}

/**
 * `--filter`: run a subset of the cases. An expression is either a config-hash prefix (4 to 64 hex
 * digits) or comma-separated conditions that must all hold, `name op value` with op one of
 * `= == != < <= > >=` and name a parameter, `kernel` or `role`. Several filters: a case runs if
 * any of them matches.
 *
 * @example
 * ```ts
 * import { parseFilter } from "./filter.ts";
 * const keep = parseFilter("seq_len>=256,d=64");
 * keep({ config_hash: "ab12", kernel: "softmax", role: "kernel", params: { seq_len: 512, d: 64 } }); // true
 * ```
 * @module
 */
import { SpecError } from "./errors.ts";

/** What a filter looks at. */
export interface Filterable {
  config_hash: string;
  kernel: string;
  role: string;
  params: Record<string, unknown>;
}

type Predicate = (item: Filterable) => boolean;

const OPERATORS: Record<string, (a: unknown, b: unknown) => boolean> = {
  "==": (a, b) => a === b,
  "=": (a, b) => a === b,
  "!=": (a, b) => a !== b,
  "<=": (a, b) => (a as number) <= (b as number),
  ">=": (a, b) => (a as number) >= (b as number),
  "<": (a, b) => (a as number) < (b as number),
  ">": (a, b) => (a as number) > (b as number),
};

/**
 * Compiles one `--filter` expression; a malformed one is a {@link SpecError} (exit code 2).
 *
 * @example
 * ```ts
 * parseFilter("3fa9")({ config_hash: "3fa9c0...", kernel: "x", role: "kernel", params: {} }); // true
 * ```
 */
export function parseFilter(expression: string): Predicate {
  const text = expression.trim();
  if (/^[0-9a-f]{4,64}$/i.test(text)) return (item) => item.config_hash.startsWith(text.toLowerCase());
  const terms = text.split(",").map((term) => term.trim());
  const tests = terms.map((term) => {
    const match = /^([A-Za-z_][\w.-]*)\s*(==|!=|<=|>=|=|<|>)\s*(.+)$/.exec(term);
    if (!match) {
      throw new SpecError(
        "CLI_FILTER",
        `--filter "${expression}": cannot read "${term}"; expected a hash prefix (4+ hex digits) or name=value conditions such as seq_len>=256,d=64`,
      );
    }
    const [, name, op, raw] = match;
    const want = parseValue(raw.trim());
    return (item: Filterable) => {
      const have = name === "kernel" ? item.kernel : name === "role" ? item.role : item.params[name];
      return OPERATORS[op](have, want);
    };
  });
  return (item) => tests.every((t) => t(item));
}

/**
 * The items at least one expression keeps (all items when there is no expression).
 *
 * @example
 * ```ts
 * selectCases(cases, ["seq_len=128", "seq_len=256"]);
 * ```
 */
export function selectCases<T extends Filterable>(items: T[], expressions: string[]): T[] {
  if (expressions.length === 0) return items;
  const predicates = expressions.map(parseFilter);
  const names = new Set(["kernel", "role", ...items.flatMap((i) => Object.keys(i.params))]);
  for (const expression of expressions) {
    for (const [, name] of expression.matchAll(/(?:^|,)\s*([A-Za-z_][\w.-]*)\s*(?:==|!=|<=|>=|=|<|>)/g)) {
      if (!names.has(name)) {
        throw new SpecError(
          "CLI_FILTER",
          `--filter "${expression}": no case has a parameter "${name}"; expected one of: ${
            [...names].join(", ")
          }`,
        );
      }
    }
  }
  const kept = items.filter((item) => predicates.some((p) => p(item)));
  if (kept.length === 0) {
    throw new SpecError(
      "CLI_FILTER",
      `--filter ${
        expressions.map((e) => `"${e}"`).join(" ")
      } matches none of the ${items.length} cases; expected at least one`,
    );
  }
  return kept;
}

function parseValue(raw: string): unknown {
  if (raw === "true" || raw === "false") return raw === "true";
  const number = Number(raw);
  return raw !== "" && Number.isFinite(number) ? number : raw.replace(/^["']|["']$/g, "");
}

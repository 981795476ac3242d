/**
 * attnbench-plugin-throughput: a profiler plugin packaged on its own. It ships JavaScript, not
 * TypeScript (Deno does not strip types from files under node_modules), declares its types in
 * mod.d.ts, and has no dependencies: a profiler is a plain object, so it need not import attnbench
 * at run time. Without a valibot schema, it checks its options itself in `create`.
 *
 * Per case it reports, at the chosen percentile of the per-call latency:
 * `tokens_per_s` (seq_len ÷ time per call) and `bytes_per_s` (the f32 bytes of Q, K, V read and
 * of the output written per call ÷ time per call), and `percentile`.
 *
 * @example
 * ```yaml
 * plugins:
 *   - attnbench-plugin-throughput: { percentile: 95 }
 * ```
 * @module
 */

/** @type {import("./mod.d.ts").ThroughputPlugin} */
const throughput = {
  name: "throughput",
  apiVersion: 1,
  description: "tokens/s and bytes/s of Q, K, V and output at a latency percentile",
  metrics: {
    percentile: { type: "double", description: "latency percentile the rates are taken at" },
    tokens_per_s: {
      type: "double",
      unit: "tokens/s",
      description: "seq_len ÷ time per call at that percentile",
    },
    bytes_per_s: { type: "double", unit: "bytes/s", description: "Q, K, V and output bytes ÷ time per call" },
  },
  create(options) {
    const percentile = options.percentile ?? 50;
    if (typeof percentile !== "number" || !(percentile > 0 && percentile <= 100)) {
      throw new RangeError(`percentile is ${JSON.stringify(percentile)}; expected a number in (0, 100]`);
    }
    const unknown = Object.keys(options).filter((key) => key !== "percentile");
    if (unknown.length > 0) {
      throw new RangeError(`unknown option ${unknown.join(", ")}; expected only percentile`);
    }
    return {
      stop(ctx, measurement) {
        const sorted = measurement.samples_ns;
        const rank = Math.min(sorted.length, Math.max(1, Math.ceil((percentile / 100) * sorted.length)));
        const seconds = sorted[rank - 1] / 1e9;
        const { seq_len, q_width, kv_width } = ctx.case.shape;
        const bytes = 4 * seq_len * (2 * q_width + 2 * kv_width);
        return { percentile, tokens_per_s: seq_len / seconds, bytes_per_s: bytes / seconds };
      },
    };
  },
};

export default throughput;

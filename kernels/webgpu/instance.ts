/**
 * A prepared WebGPU attention kernel: the buffers, the pipeline and the bind group are made once,
 * in the constructor, and every call reuses them. A call encodes one compute pass (with timestamp
 * writes at its start and end when the device has `timestamp-query`), resolves the timestamps,
 * copies them and the output into one host-readable staging buffer, submits, waits for the
 * mapping and copies the mapped bytes into host memory that `output` is a view of. Per call it
 * makes only what WebGPU requires: a command encoder, its pass and command buffer, the promise
 * and a view of the mapped range.
 *
 * @example
 * ```ts
 * import { WebGpuAttention } from "./instance.ts";
 * await gpuAvailability();
 * const kernel = new WebGpuAttention(readyWebGpu("softmax"), plan, inputs);
 * await kernel.run();
 * kernel.output; // seq_len × q_width floats
 * kernel.deviceTimeNs(); // the pass's own time on the device, or undefined without timestamps
 * kernel.dispose();
 * ```
 * @module
 */
import type { AttentionInputs, KernelInstance } from "../../plugin_kit.ts";
import type { WebGpu } from "./device.ts";

/**
 * What the instance runs: a shader with bindings q, k, v (read), then scratch buffers of the given
 * sizes and the output (read_write), dispatched as `workgroups`.
 *
 * @example
 * ```ts
 * const plan: ComputePlan = {
 *   kernel: "softmax", code: denseShader(shape), scratch_bytes: [4 * 33 * 33], workgroups: [33, 1],
 *   seq_len: 33, q_width: 17, kv_width: 17,
 * };
 * ```
 */
export interface ComputePlan {
  /** The kernel's name, for error messages. */
  kernel: string;
  code: string;
  /** Sizes of the read_write buffers the shader binds before the output, in binding order. */
  scratch_bytes: number[];
  workgroups: [number, number];
  seq_len: number;
  q_width: number;
  kv_width: number;
}

/** `GPUBufferUsage` and `GPUMapMode` values (fixed by the WebGPU spec; not every binding sets the globals). */
const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80, QUERY_RESOLVE: 0x200 } as const;
const MAP_MODE_READ = 0x1;
/** Two u64 timestamps: the pass's start and end. */
const STAMP_BYTES = 16;
const F32_BYTES = 4;

/**
 * One prepared kernel on one device; see the module comment.
 *
 * @example
 * ```ts
 * const kernel = new WebGpuAttention(gpu, plan, inputs);
 * await kernel.run();
 * kernel.load(nextInputs); // the next call attends these
 * await kernel.run();
 * kernel.dispose();
 * ```
 */
export class WebGpuAttention implements KernelInstance {
  readonly asynchronous = true;
  readonly output: Float32Array;
  readonly #gpu: WebGpu;
  readonly #plan: ComputePlan;
  readonly #inputs: [GPUBuffer, GPUBuffer, GPUBuffer];
  readonly #buffers: GPUBuffer[];
  readonly #out: GPUBuffer;
  readonly #staging: GPUBuffer;
  readonly #pipeline: GPUComputePipeline;
  readonly #bindGroup: GPUBindGroup;
  readonly #pass: GPUComputePassDescriptor;
  readonly #timing: { querySet: GPUQuerySet; resolve: GPUBuffer } | undefined;
  /** Host copy of the staging buffer: the timestamps (when timed), then the output. */
  readonly #host: Uint8Array;
  /** The two timestamps as u32 halves: start low, start high, end low, end high. */
  readonly #stamps: Uint32Array;
  readonly #outputAt: number;
  readonly #commands: GPUCommandBuffer[] = [];
  /** Errors from making the buffers and pipeline, looked at by the first call. */
  #creation: Promise<(GPUError | null)[]> | undefined;
  /** What went wrong making them, once the first call found out; every later call throws it. */
  #broken: string | undefined;
  #deviceNs: number | undefined;
  #busy = false;
  #disposed = false;

  constructor(gpu: WebGpu, plan: ComputePlan, inputs: AttentionInputs) {
    const { device } = gpu;
    this.#gpu = gpu;
    this.#plan = plan;
    const timed = gpu.info.timestamps;
    device.pushErrorScope("out-of-memory");
    device.pushErrorScope("validation");
    // The scopes are the shared device's: a binding that throws here (bun-webgpu does, for some
    // invalid descriptors) must not leave them open to swallow every later error.
    try {
      const storage = (bytes: number, usage: number) =>
        device.createBuffer({ size: bytes, usage: USAGE.STORAGE | usage });
      const inputBytes = [plan.q_width, plan.kv_width, plan.kv_width].map((w) =>
        plan.seq_len * w * F32_BYTES
      );
      this.#inputs = inputBytes.map((bytes) => storage(bytes, USAGE.COPY_DST)) as [
        GPUBuffer,
        GPUBuffer,
        GPUBuffer,
      ];
      const scratch = plan.scratch_bytes.map((bytes) => storage(bytes, 0));
      const outputBytes = plan.seq_len * plan.q_width * F32_BYTES;
      this.#out = storage(outputBytes, USAGE.COPY_SRC);
      this.#outputAt = timed ? STAMP_BYTES : 0;
      this.#staging = device.createBuffer({
        size: this.#outputAt + outputBytes,
        usage: USAGE.MAP_READ | USAGE.COPY_DST,
      });
      this.#timing = timed
        ? {
          querySet: device.createQuerySet({ type: "timestamp", count: 2 }),
          resolve: device.createBuffer({ size: STAMP_BYTES, usage: USAGE.QUERY_RESOLVE | USAGE.COPY_SRC }),
        }
        : undefined;
      this.#buffers = [...this.#inputs, ...scratch, this.#out, this.#staging];
      if (this.#timing) this.#buffers.push(this.#timing.resolve);
      const module = device.createShaderModule({ code: plan.code });
      this.#pipeline = device.createComputePipeline({
        layout: "auto",
        compute: { module, entryPoint: "main" },
      });
      this.#bindGroup = device.createBindGroup({
        layout: this.#pipeline.getBindGroupLayout(0),
        entries: [...this.#inputs, ...scratch, this.#out].map((buffer, binding) => ({
          binding,
          resource: { buffer },
        })),
      });
      this.#pass = this.#timing
        ? {
          timestampWrites: {
            querySet: this.#timing.querySet,
            beginningOfPassWriteIndex: 0,
            endOfPassWriteIndex: 1,
          },
        }
        : {};
    } catch (error) {
      for (let scope = 0; scope < 2; scope++) device.popErrorScope().catch(() => {});
      throw error;
    }
    this.#creation = Promise.all([device.popErrorScope(), device.popErrorScope()]);
    const host = new ArrayBuffer(this.#outputAt + plan.seq_len * plan.q_width * F32_BYTES);
    this.#host = new Uint8Array(host);
    this.#stamps = new Uint32Array(host, 0, this.#outputAt / F32_BYTES);
    this.output = new Float32Array(host, this.#outputAt, plan.seq_len * plan.q_width);
    this.load(inputs);
  }

  /** Writes new Q, K, V (the same shape) to the device; the next call uses them. */
  load(inputs: AttentionInputs): void {
    const plan = this.#plan;
    if (
      inputs.seq_len !== plan.seq_len || inputs.q_width !== plan.q_width || inputs.kv_width !== plan.kv_width
    ) {
      throw new RangeError(
        `${plan.kernel} (backend webgpu): inputs of seq_len ${inputs.seq_len}, q_width ${inputs.q_width}, ` +
          `kv_width ${inputs.kv_width}; this instance was prepared for ${plan.seq_len}, ${plan.q_width}, ${plan.kv_width}`,
      );
    }
    const queue = this.#gpu.device.queue;
    [inputs.q, inputs.k, inputs.v].forEach((values, at) =>
      queue.writeBuffer(this.#inputs[at], 0, values as Float32Array<ArrayBuffer>)
    );
  }

  /** One call: encode, submit, wait for the output (and timestamps) to reach host memory. Bound. */
  readonly run = async (): Promise<void> => {
    this.#checkUsable();
    this.#busy = true;
    try {
      if (this.#creation) await this.#checkCreation();
      const device = this.#gpu.device, workgroups = this.#plan.workgroups, staging = this.#staging;
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass(this.#pass);
      pass.setPipeline(this.#pipeline);
      pass.setBindGroup(0, this.#bindGroup);
      pass.dispatchWorkgroups(workgroups[0], workgroups[1]);
      pass.end();
      if (this.#timing) {
        encoder.resolveQuerySet(this.#timing.querySet, 0, 2, this.#timing.resolve, 0);
        encoder.copyBufferToBuffer(this.#timing.resolve, 0, staging, 0, STAMP_BYTES);
      }
      encoder.copyBufferToBuffer(this.#out, 0, staging, this.#outputAt, this.output.byteLength);
      this.#commands[0] = encoder.finish();
      device.queue.submit(this.#commands);
      await staging.mapAsync(MAP_MODE_READ);
      this.#host.set(new Uint8Array(staging.getMappedRange()));
      staging.unmap();
      if (this.#gpu.error) {
        throw new Error(`${this.#plan.kernel} (backend webgpu): the device reported: ${this.#gpu.error}`);
      }
      this.#deviceNs = this.#timing ? this.#elapsedNs() : undefined;
    } finally {
      this.#busy = false;
      if (this.#disposed) this.#destroy();
    }
  };

  /** Nanoseconds between the pass's two timestamps in the last call; `undefined` without timestamps. */
  deviceTimeNs(): number | undefined {
    return this.#deviceNs;
  }

  /** Destroys the instance's buffers and query set (after the call in flight, if any); later calls throw. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    // A call in flight still maps the staging buffer: destroying it under the call makes Deno
    // reject with a bare OperationError and bun-webgpu crash the process, so that call's end does it.
    if (!this.#busy) this.#destroy();
  }

  #destroy(): void {
    for (const buffer of this.#buffers) buffer.destroy();
    this.#timing?.querySet.destroy();
  }

  /** Throws when a call cannot start: the device is lost, the instance disposed or still busy. */
  #checkUsable(): void {
    const where = `${this.#plan.kernel} (backend webgpu)`;
    if (this.#gpu.lost) throw new Error(`${where}: ${this.#gpu.lost}`);
    if (this.#broken) throw new Error(`${where}: preparing the kernel failed: ${this.#broken}`);
    if (this.#disposed) throw new Error(`${where}: run() after dispose()`);
    if (this.#busy) {
      throw new Error(`${where}: run() called before the previous call settled; await each call`);
    }
  }

  /** Throws the first error WebGPU raised while the instance was made; remembers it for later calls. */
  async #checkCreation(): Promise<void> {
    const errors = await this.#creation!;
    this.#creation = undefined;
    this.#broken = errors.find((error) => error !== null)?.message;
    if (this.#broken) {
      throw new Error(`${this.#plan.kernel} (backend webgpu): preparing the kernel failed: ${this.#broken}`);
    }
  }

  /** End minus start of the resolved timestamps, or `undefined` when the device wrote none. */
  #elapsedNs(): number | undefined {
    const stamps = this.#stamps; // start low, start high, end low, end high
    const elapsed = (stamps[3] - stamps[1]) * 2 ** 32 + (stamps[2] - stamps[0]);
    return (stamps[0] | stamps[1]) !== 0 && elapsed >= 0 ? elapsed : undefined;
  }
}

/**
 * A single-head attention graph as ONNX bytes, encoded here with a minimal protobuf writer (only
 * the wire types the model needs: varint and length-delimited). The graph takes Q, K, V of shape
 * `[n, d]` (float32) and computes
 *
 *   O = MatMul(Softmax(Mul(MatMul(Q, Transpose(K)), s), axis = 1), V),   s = f32(1/√d)
 *
 * with opset 17, so that onnxruntime's graph optimiser is free to fuse the transpose and the scale
 * into the first MatMul, as it does for real models.
 *
 * @example
 * ```ts
 * import { attentionModel } from "./onnx_model.ts";
 * const bytes = attentionModel(512, 64); // hand to InferenceSession.create(bytes)
 * ```
 * @module
 */
import { attentionScale } from "../../kernels/params.ts";

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;
const FLOAT = 1;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;
const IR_VERSION = 8;
const OPSET = 17;

/** Appends protobuf fields to a growing byte list. */
class Message {
  readonly #bytes: number[] = [];

  varint(field: number, value: number): this {
    this.#tag(field, WIRE_VARINT);
    this.#rawVarint(value);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, WIRE_BYTES);
    this.#rawVarint(value.length);
    for (const byte of value) this.#bytes.push(byte);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, value: Message): this {
    return this.bytes(field, value.encode());
  }

  encode(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }

  #tag(field: number, wire: number): void {
    this.#rawVarint(field * 8 + wire);
  }

  /** Non-negative integers up to 2^53, seven bits a byte, low bits first. */
  #rawVarint(value: number): void {
    let rest = value;
    while (rest >= 0x80) {
      this.#bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.#bytes.push(rest);
  }
}

/** ValueInfoProto of a float32 tensor `name` with fixed dims. */
function floatTensorInfo(name: string, dims: readonly number[]): Message {
  const shape = new Message();
  for (const dim of dims) shape.message(1, new Message().varint(1, dim));
  const tensorType = new Message().varint(1, FLOAT).message(2, shape);
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}

/** NodeProto `output = op(inputs)` with optional attributes. */
function node(op: string, inputs: readonly string[], output: string, attributes: Message[] = []): Message {
  const message = new Message();
  for (const input of inputs) message.string(1, input);
  message.string(2, output).string(3, `${op}_${output}`).string(4, op);
  for (const attribute of attributes) message.message(5, attribute);
  return message;
}

/** AttributeProto with an int64 value. */
function intAttribute(name: string, value: number): Message {
  return new Message().string(1, name).varint(3, value).varint(20, ATTRIBUTE_INT);
}

/** AttributeProto with int64 values (written unpacked, one field per value). */
function intsAttribute(name: string, values: readonly number[]): Message {
  const message = new Message().string(1, name);
  for (const value of values) message.varint(8, value);
  return message.varint(20, ATTRIBUTE_INTS);
}

/** TensorProto of one float32 scalar, as little-endian raw data. */
function scalarInitializer(name: string, value: number): Message {
  const raw = new Uint8Array(4);
  new DataView(raw.buffer).setFloat32(0, value, true);
  return new Message().varint(2, FLOAT).string(8, name).bytes(9, raw);
}

/**
 * The ONNX model bytes of single-head attention over `[n, d]` float32 inputs named `q`, `k`, `v`,
 * with output `o`.
 *
 * @example
 * ```ts
 * attentionModel(64, 64).length; // a few hundred bytes
 * ```
 */
export function attentionModel(n: number, d: number): Uint8Array {
  const graph = new Message()
    .message(1, node("Transpose", ["k"], "kt", [intsAttribute("perm", [1, 0])]))
    .message(1, node("MatMul", ["q", "kt"], "scores"))
    .message(1, node("Mul", ["scores", "scale"], "logits"))
    .message(1, node("Softmax", ["logits"], "weights", [intAttribute("axis", 1)]))
    .message(1, node("MatMul", ["weights", "v"], "o"))
    .string(2, "attention")
    .message(5, scalarInitializer("scale", attentionScale(d)));
  for (const name of ["q", "k", "v"]) graph.message(11, floatTensorInfo(name, [n, d]));
  graph.message(12, floatTensorInfo("o", [n, d]));
  return new Message()
    .varint(1, IR_VERSION)
    .string(2, "attnbench")
    .message(7, graph)
    .message(8, new Message().string(1, "").varint(2, OPSET))
    .encode();
}

/**
 * HostTensor <-> onnxruntime-node Tensor, for the child process only (the onnxruntime import is type-only
 * here; the child passes its loaded module in).
 *
 * Every element type the JS API of onnxruntime-node 1.30 handles: float32/64, int8/16/32/64,
 * uint8/16/32/64, bool, float16 (as its bit pattern) and string (UTF-8 bytes in HostTensor, JS strings in
 * onnxruntime). Anything else is refused with a message naming the tensor. HostTensor bytes are
 * little-endian, which is the memory order of every platform onnxruntime-node ships for.
 */
import type * as Ort from 'onnxruntime-node';
import { DataType, checkedElementCount, dtypeName, rawByteLength } from '../core/ir/dtype';
import type { HostTensor } from '../core/ir/hosttensor';

type OrtModule = typeof Ort;
type NumericCtor =
  | Float32ArrayConstructor | Float64ArrayConstructor | Int8ArrayConstructor | Int16ArrayConstructor
  | Int32ArrayConstructor | BigInt64ArrayConstructor | Uint8ArrayConstructor | Uint16ArrayConstructor
  | Uint32ArrayConstructor | BigUint64ArrayConstructor;

interface DtypeInfo {
  ort: Ort.Tensor.Type;
  ctor?: NumericCtor;
}

const BY_DTYPE: ReadonlyMap<DataType, DtypeInfo> = new Map<DataType, DtypeInfo>([
  [DataType.FLOAT, { ort: 'float32', ctor: Float32Array }],
  [DataType.DOUBLE, { ort: 'float64', ctor: Float64Array }],
  [DataType.INT8, { ort: 'int8', ctor: Int8Array }],
  [DataType.INT16, { ort: 'int16', ctor: Int16Array }],
  [DataType.INT32, { ort: 'int32', ctor: Int32Array }],
  [DataType.INT64, { ort: 'int64', ctor: BigInt64Array }],
  [DataType.UINT8, { ort: 'uint8', ctor: Uint8Array }],
  [DataType.UINT16, { ort: 'uint16', ctor: Uint16Array }],
  [DataType.UINT32, { ort: 'uint32', ctor: Uint32Array }],
  [DataType.UINT64, { ort: 'uint64', ctor: BigUint64Array }],
  [DataType.BOOL, { ort: 'bool', ctor: Uint8Array }],
  // The bit patterns: onnxruntime-common takes a Uint16Array for float16 (and views it as a Float16Array
  // where that exists), so no value conversion happens either way.
  [DataType.FLOAT16, { ort: 'float16', ctor: Uint16Array }],
  [DataType.STRING, { ort: 'string' }],
]);

const BY_ORT_TYPE: ReadonlyMap<string, DataType> = new Map([...BY_DTYPE].map(([d, i]) => [i.ort as string, d]));

/** Element types the runtime can feed and fetch, as DataType values. */
export const SUPPORTED_DTYPES: readonly DataType[] = [...BY_DTYPE.keys()];

/** A feed or fetch the child refuses before onnxruntime sees it. */
export class TensorConversionError extends Error {
  override name = 'TensorConversionError';
}

function supportedList(): string {
  return SUPPORTED_DTYPES.map(dtypeName).join(', ');
}

/**
 * Builds an onnxruntime Tensor over the HostTensor's bytes (copied only when they are not aligned).
 * `what` names the tensor in messages (default: its name).
 */
export function toOrtTensor(ort: OrtModule, t: HostTensor, what = t.name ? `tensor '${t.name}'` : 'a tensor'): Ort.Tensor {
  const info = BY_DTYPE.get(t.dtype);
  if (!info) {
    throw new TensorConversionError(
      `${what} has element type ${dtypeName(t.dtype)}, which onnxruntime-node's JS API cannot take; ` +
        `supported: ${supportedList()}. Convert it (e.g. bfloat16 -> float32) before feeding it.`,
    );
  }
  if (!Array.isArray(t.dims)) throw new TensorConversionError(`${what} has no dims array (found ${typeof t.dims})`);
  const count = checkedElementCount(t.dims);
  if (typeof count === 'string') throw new TensorConversionError(`${what} has an invalid shape: ${count}`);
  const dims = t.dims.slice();
  if (t.dtype === DataType.STRING) {
    const strings = t.strings ?? [];
    if (strings.length !== count) {
      throw new TensorConversionError(
        `${what} is a string tensor of shape [${dims.join(', ')}] (${count} elements) but holds ${strings.length} strings`,
      );
    }
    // onnxruntime-node passes strings as C strings (a NUL ends them) and JS strings are Unicode: refuse
    // what would come back changed rather than change it silently.
    const dec = new TextDecoder('utf-8', { fatal: true });
    const texts = strings.map((s, i) => {
      if (!(s instanceof Uint8Array)) throw new TensorConversionError(`${what}: string ${i} is not a Uint8Array of UTF-8 bytes`);
      if (s.includes(0)) {
        throw new TensorConversionError(`${what}: string ${i} contains a NUL byte; onnxruntime-node would cut it there. Remove the NUL bytes.`);
      }
      try {
        return dec.decode(s);
      } catch {
        throw new TensorConversionError(`${what}: string ${i} is not valid UTF-8; onnxruntime-node takes text. Re-encode it as UTF-8.`);
      }
    });
    return new ort.Tensor('string', texts, dims);
  }
  const ctor = info.ctor!;
  const expected = rawByteLength(t.dtype, count)!;
  const data = t.data;
  if (!(data instanceof Uint8Array)) {
    throw new TensorConversionError(`${what}: data must be a Uint8Array of raw little-endian bytes`);
  }
  if (data.byteLength !== expected) {
    throw new TensorConversionError(
      `${what} is ${dtypeName(t.dtype)} of shape [${dims.join(', ')}] (${count} elements, ${expected} bytes) ` +
        `but its data has ${data.byteLength} bytes`,
    );
  }
  const bpe = ctor.BYTES_PER_ELEMENT;
  const src = data.byteOffset % bpe === 0 ? data : data.slice();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const typed = new (ctor as any)(src.buffer, src.byteOffset, count);
  return new ort.Tensor(info.ort as 'float32', typed, dims);
}

/** The onnxruntime Tensor's values as a HostTensor named `name` (a view of its bytes, no copy). */
export function fromOrtTensor(name: string, v: Ort.OnnxValue): HostTensor {
  const t = v as Ort.Tensor;
  const dtype = BY_ORT_TYPE.get(t.type);
  if (dtype === undefined) {
    throw new TensorConversionError(
      `output '${name}' came back as ${String(t.type)}, which the runtime cannot carry; supported: ${supportedList()}`,
    );
  }
  if (t.location !== undefined && t.location !== 'cpu' && t.location !== 'cpu-pinned') {
    throw new TensorConversionError(`output '${name}' lives on '${t.location}', not on the CPU; fetch it to CPU first`);
  }
  const dims = Array.from(t.dims, Number);
  if (dtype === DataType.STRING) {
    const enc = new TextEncoder();
    const strings = (t.data as string[]).map((s) => enc.encode(s));
    return { name, dtype, dims, data: new Uint8Array(0), strings };
  }
  const d = t.data as ArrayBufferView;
  return { name, dtype, dims, data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) };
}

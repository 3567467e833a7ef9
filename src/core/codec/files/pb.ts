/**
 * Serialized TensorProto files (`.pb`, as ONNX's backend tests and onnx.numpy_helper write them) <->
 * HostTensor. Values may sit in raw_data or any typed field (see ../tensordata.ts).
 */
import { $protobuf, onnx } from '../pb';
import type { HostTensor } from '../../ir/hosttensor';
import { hostToTensorProto, tensorProtoToHost, TensorDataError } from '../tensordata';
import { TensorFileError } from './npy';

function asBuffer(bytes: Uint8Array): Uint8Array {
  // protobufjs decodes bytes fields as views (no copy) when given a Buffer.
  return typeof Buffer !== 'undefined' && !Buffer.isBuffer(bytes) ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
}

/** Decodes a TensorProto message; protobuf-level failures become a TensorFileError naming the file. */
export function decodeTensorProto(bytes: Uint8Array, file = '<pb>'): onnx.TensorProto {
  if (bytes.byteLength === 0) throw new TensorFileError(file, 'the file is empty (0 bytes); expected a serialized TensorProto');
  try {
    return onnx.TensorProto.decode($protobuf.Reader.create(asBuffer(bytes)));
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new TensorFileError(file, `not a serialized TensorProto (${msg}): the file is truncated or holds something else`);
  }
}

/** Reads a `.pb` TensorProto file. */
export function readTensorPb(bytes: Uint8Array, file = '<pb>'): HostTensor {
  const t = decodeTensorProto(bytes, file);
  try {
    return tensorProtoToHost(t);
  } catch (e) {
    if (e instanceof TensorDataError) throw new TensorFileError(file, e.message);
    throw e;
  }
}

/** Serializes a HostTensor as a TensorProto (raw_data, or string_data for STRING). */
export function writeTensorPb(h: HostTensor, name: string | undefined = h.name): Uint8Array {
  return onnx.TensorProto.encode(hostToTensorProto(h, name)).finish();
}

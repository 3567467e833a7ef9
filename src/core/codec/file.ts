/** Reading a model file from disk into the IR, with clear errors for what is not a model file. */
import { readFileSync, statSync } from 'node:fs';
import { decodeModel, ModelDecodeError } from './decode';
import type { Model } from '../ir/model';

/** Protobuf messages cannot exceed 2 GiB; bigger models keep their weights in external data files. */
export const MAX_MODEL_FILE_BYTES = 2 ** 31 - 1;

export function readModelBytes(path: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new ModelDecodeError(path, 'expected an .onnx file; found a directory');
    if (!st.isFile()) throw new ModelDecodeError(path, 'expected a regular .onnx file; found a device, socket or FIFO');
    size = st.size;
  } catch (e) {
    if (e instanceof ModelDecodeError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelDecodeError(path, code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? String(e)})`);
  }
  if (size > MAX_MODEL_FILE_BYTES) {
    throw new ModelDecodeError(
      path,
      `the file is ${size} bytes; a protobuf ModelProto cannot exceed 2 GiB: save the weights as external data (onnx.save_model(..., save_as_external_data=True))`,
    );
  }
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ModelDecodeError(path, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

export function readModelFile(path: string): Model {
  return decodeModel(readModelBytes(path), { path });
}

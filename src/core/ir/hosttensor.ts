import type { DataType } from './dtype';

/**
 * A tensor held in memory with its values: what tensor files (.npy, .npz, .pb, Polygraphy JSON)
 * read and write, what the runtime feeds and fetches, and what compare measures.
 *
 * `data` is the little-endian raw storage exactly as ONNX raw_data lays it out (sub-byte types packed,
 * bool one byte each, float16/bfloat16/float8 as their bit patterns). For STRING tensors `data` is empty
 * and `strings` holds the UTF-8 bytes of each element.
 */
export interface HostTensor {
  name?: string;
  dtype: DataType;
  dims: number[];
  data: Uint8Array;
  strings?: Uint8Array[];
}

/**
 * external-data: moves initializer data out of the model into one file beside it, or back in.
 *
 *   out:  W (float[4096,4096], inline)   ->   W: data_location EXTERNAL, location "model.onnx.data", offset, length
 *         (returns the data file's contents: the caller writes it beside the saved model)
 *   in:   W (external)                   ->   W: raw_data read back through the model's external data store
 *
 * out: every initializer (main graph and subgraphs) of at least `threshold` bytes (default 1024, as onnx's
 * save_model), strings excepted, goes to `location` (default: the model file's name + ".data"); offsets are
 * aligned (4096 bytes from 1 MiB on, else 64). Constant node attributes stay inline. Refuses a location that is
 * not a plain relative path inside the model's folder (isSafeRelativeLocation) and one other tensors of the model
 * already use (their file would be overwritten).
 * in: every external initializer (or those of one `location`) is read back, through the checks of
 * src/core/codec/external.ts (confined to the model's folder). Refuses a model not read from a file, and a
 * result past protobuf's 2 GiB limit.
 */
import { basename } from 'node:path';
import type { Tensor } from '../ir/model';
import { DataType } from '../ir/dtype';
import { onnx } from '../codec/pb';
import { isSafeRelativeLocation, parseExternalInfo, splitLocation } from '../codec/external';
import { tensorProtoToHost } from '../codec/tensordata';
import { MAX_MODEL_FILE_BYTES } from '../codec/file';
import { readTensor } from '../weights';
import { plural } from './lib/graph';
import { PassError, type Pass, type PassArgs, type PassResult } from './types';
import type { Model } from '../ir/model';

const MiB = 1024 * 1024;

function allInitializers(model: Model): Tensor[] {
  return model.allGraphs().filter((g) => g.kind !== 'function').flatMap((g) => g.initializers);
}

function sameLocation(a: string, b: string): boolean {
  return (splitLocation(a) ?? [a]).join('/') === (splitLocation(b) ?? [b]).join('/');
}

const fmtBytes = (n: number) => (n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : `${n} bytes`);

function moveOut(model: Model, args: PassArgs): PassResult {
  const location = String(args.location ?? `${basename(model.path ?? 'model.onnx')}.data`);
  const why = isSafeRelativeLocation(location);
  if (why) throw new PassError(`location '${location}' is not a safe place for external data: ${why}`);
  const threshold = Number(args.threshold ?? 1024);
  if (!Number.isFinite(threshold) || threshold < 0) throw new PassError(`threshold must be a number of bytes >= 0; found ${args.threshold}`);
  const tensors = allInitializers(model);
  const clash = tensors.filter((t) => t.isExternal && (() => {
    try {
      return sameLocation(parseExternalInfo(t.proto).location, location);
    } catch {
      return false;
    }
  })());
  if (clash.length) {
    throw new PassError(`${plural(clash.length, 'tensor')} already keep their data in '${location}' (e.g. '${clash[0].name}'): writing it again would destroy them. Choose another location, or bring them back in first (direction in)`);
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  let moved = 0;
  for (const t of tensors) {
    if (t.isExternal || t.dataType === DataType.STRING || t.dataType === DataType.UNDEFINED) continue;
    let data: Uint8Array;
    try {
      data = tensorProtoToHost(t.proto).data;
    } catch {
      continue; // a corrupt tensor stays as it is (model.problems names it)
    }
    if (data.byteLength < threshold || data.byteLength === 0) continue;
    const align = data.byteLength >= MiB ? 4096 : 64;
    const pad = (align - (offset % align)) % align;
    if (pad) {
      chunks.push(new Uint8Array(pad));
      offset += pad;
    }
    chunks.push(data);
    const p = new onnx.TensorProto({ ...t.proto });
    for (const k of ['rawData', 'floatData', 'int32Data', 'int64Data', 'doubleData', 'uint64Data', 'stringData'] as const) delete (p as Partial<onnx.TensorProto>)[k];
    p.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    p.externalData = [
      new onnx.StringStringEntryProto({ key: 'location', value: location }),
      new onnx.StringStringEntryProto({ key: 'offset', value: String(offset) }),
      new onnx.StringStringEntryProto({ key: 'length', value: String(data.byteLength) }),
    ];
    t.proto = p;
    offset += data.byteLength;
    moved++;
  }
  if (!moved) return { modified: false, summary: `no inline initializer has ${threshold} bytes or more: nothing to move` };
  return {
    modified: true,
    summary: `moved ${plural(moved, 'initializer')} (${fmtBytes(offset)}) to '${location}' beside the model`,
    files: [{ location, chunks, byteLength: offset }],
    stats: { tensors: moved, bytes: offset },
  };
}

function moveIn(model: Model, args: PassArgs): PassResult {
  const only = typeof args.location === 'string' && args.location ? args.location : undefined;
  const tensors = allInitializers(model).filter((t) => {
    if (!t.isExternal) return false;
    if (!only) return true;
    try {
      return sameLocation(parseExternalInfo(t.proto).location, only);
    } catch {
      return false;
    }
  });
  if (!tensors.length) return { modified: false, summary: only ? `no initializer keeps its data in '${only}'` : 'no initializer keeps its data in an external file' };
  if (!model.path) throw new PassError('the model was not read from a file, so its external data cannot be located: open it from disk');
  let total = 0;
  for (const t of allInitializers(model)) {
    if (!t.isExternal) total += t.proto.rawData?.byteLength ?? 0;
  }
  const datas: [Tensor, Uint8Array][] = [];
  for (const t of tensors) {
    let data: Uint8Array;
    try {
      data = readTensor(model, t).data;
    } catch (e) {
      throw new PassError(`cannot bring '${t.name}' back into the model: ${e instanceof Error ? e.message : String(e)}`);
    }
    total += data.byteLength;
    if (total > MAX_MODEL_FILE_BYTES - 64 * MiB) {
      throw new PassError(`the weights would make the model larger than protobuf's 2 GiB limit (${fmtBytes(total)} and counting): keep them external`);
    }
    datas.push([t, data]);
  }
  for (const [t, data] of datas) {
    const p = new onnx.TensorProto({ ...t.proto });
    delete (p as Partial<onnx.TensorProto>).externalData;
    delete (p as Partial<onnx.TensorProto>).dataLocation;
    p.rawData = data;
    t.proto = p;
  }
  const bytes = datas.reduce((s, [, d]) => s + d.byteLength, 0);
  return { modified: true, summary: `brought ${plural(datas.length, 'initializer')} (${fmtBytes(bytes)}) back into the model`, stats: { tensors: datas.length, bytes } };
}

export const externalDataPass: Pass = {
  id: 'external-data',
  title: 'Move weights to/from an external data file',
  description: 'out: moves initializers of at least `threshold` bytes into one file beside the model (returned for the caller to write); in: reads external data back into the model.',
  kind: 'edit',
  args: [
    { name: 'direction', type: 'enum', choices: ['out', 'in'], description: 'out: to an external file; in: back into the model', required: false, default: 'out' },
    { name: 'location', type: 'string', description: 'The data file, relative to the model\'s folder (default: <model file>.data; for in: only that file)', required: false },
    { name: 'threshold', type: 'integer', description: 'Smallest tensor moved out, in bytes', required: false, default: 1024 },
  ],
  run(model, args) {
    return args.direction === 'in' ? moveIn(model, args) : moveOut(model, args);
  },
};

/**
 * Latency by batch size in onnxruntime (the `onnx-lens bench` core): mobilenet_v2 (its fixed batch dim made
 * symbolic in a copy, so that it runs at every batch) and decoder_48, batches 1, 2, 4, 8, 16; then ONNX
 * Lens's figure beside a bare onnxruntime-node loop over the same model and threads
 * (test/unit/compare/bare-loop.child.ts), interleaved, mobilenet_v2 batch 1.
 *
 *   npm run bench -- runtime        (or: node --import tsx bench/runtime.bench.ts)
 */
import { fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModelFile } from '../src/core/codec/file';
import { encodeModel } from '../src/core/codec/encode';
import type { Model } from '../src/core/ir/model';
import { RuntimeClient } from '../src/runtime/client';
import { benchModel, benchToTable, percentile } from '../src/core/compare';
import { parseDimSizes, generateModelInputs } from '../src/core/inputs';

const root = join(__dirname, '..');
const models = join(root, 'test', 'fixtures', 'models');

/** A copy of `model` whose first input/output dim is the symbol 'batch' (mobilenet_v2 is exported with batch 1; Flatten keeps it general). */
function withDynamicBatch(model: Model): Model {
  for (const info of [...model.graph.inputs, ...model.graph.outputs]) {
    const dim = info.proto?.type?.tensorType?.shape?.dim?.[0];
    if (dim) {
      delete (dim as { dimValue?: unknown }).dimValue;
      dim.dimParam = 'batch';
    }
  }
  return model;
}

function median(xs: number[]): number {
  return percentile([...xs].sort((a, b) => a - b), 50);
}

async function main(): Promise<void> {
  const client = new RuntimeClient({ timeoutMs: 300_000 });
  const dir = mkdtempSync(join(tmpdir(), 'onnx-lens-bench-'));
  try {
    const info = await client.info();
    console.log(`onnxruntime-node ${info.ortVersion}, ${info.platform}-${info.arch}, node ${info.nodeVersion}`);

    const mobPath = join(dir, 'mobilenet_v2_dynamic.onnx');
    const mob = withDynamicBatch(readModelFile(join(models, 'mobilenet_v2', 'model.onnx')));
    writeFileSync(mobPath, encodeModel(mob));
    const decPath = join(models, 'decoder_48', 'model.onnx');
    const cases: { name: string; model: Model; path: string; dims: string[] }[] = [
      { name: 'mobilenet_v2 (batch made symbolic)', model: readModelFile(mobPath), path: mobPath, dims: [] },
      { name: 'decoder_48 (seq 8)', model: readModelFile(decPath), path: decPath, dims: ['seq=8'] },
    ];
    for (const c of cases) {
      const r = await benchModel({
        runner: client, model: c.model, modelPath: c.path, warmup: 3, iterations: 20,
        generate: { dims: parseDimSizes(c.dims) },
      });
      console.log(`\n${c.name}: session ${r.loadMs.cpu.toFixed(0)} ms, 3 warm-up + 20 timed runs per batch, all cores`);
      console.log(benchToTable(r));
    }

    // ONNX Lens's bench vs a bare onnxruntime-node loop, 1 thread, mobilenet_v2 batch 1, interleaved rounds.
    const path = join(models, 'mobilenet_v2', 'model.onnx');
    const model = readModelFile(path);
    const inputs = generateModelInputs(model);
    const child = fork(join(root, 'test', 'unit', 'compare', 'bare-loop.child.ts'), [], {
      execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const reply = () => new Promise<Record<string, unknown>>((resolve) => child.once('message', (m) => resolve(m as Record<string, unknown>)));
    let p = reply();
    child.send({ setup: { modelPath: path, threads: 1, inputName: inputs[0].name, dims: inputs[0].dims, data: inputs[0].data } });
    await p;
    const ours: number[] = [];
    const bare: number[] = [];
    for (let round = 0; round < 6; round++) {
      const r = await benchModel({ runner: client, model, modelPath: path, inputs, warmup: 4, iterations: 15, configs: [{ label: 'cpu', loadOptions: { intraOpNumThreads: 1 } }] });
      ours.push(...r.rows[0].latenciesMs);
      p = reply();
      child.send({ measure: { warmup: 4, iterations: 15 } });
      bare.push(...((await p).latenciesMs as number[]));
    }
    child.kill();
    const a = median(ours);
    const b = median(bare);
    console.log(`\nmobilenet_v2 batch 1, 1 thread, ${ours.length} runs each: ONNX Lens bench median ${a.toFixed(2)} ms, ` +
      `bare onnxruntime-node loop median ${b.toFixed(2)} ms (${(((a - b) / b) * 100).toFixed(1)} %)`);
  } finally {
    await client.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

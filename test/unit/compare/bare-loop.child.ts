// A bare onnxruntime-node loop, forked by bench.test.ts: the figure ONNX Lens's benchmark is checked
// against. No ONNX Lens code: the parent sends the model path, threads and the input; on each request this
// process creates a session (as each ONNX Lens benchmark does), runs it warm-up + n times, timing each
// session.run with performance.now(), and releases it.
import * as ort from 'onnxruntime-node';
import { performance } from 'node:perf_hooks';

interface Setup { modelPath: string; threads: number; inputName: string; dims: number[]; data: Uint8Array }
interface Measure { iterations: number; warmup: number }

let setup: Setup | undefined;
let feeds: Record<string, ort.Tensor> = {};

process.on('message', async (m: { setup?: Setup; measure?: Measure }) => {
  try {
    if (m.setup) {
      const s = (setup = m.setup);
      const copy = Uint8Array.from(s.data);
      feeds = { [s.inputName]: new ort.Tensor('float32', new Float32Array(copy.buffer, 0, copy.byteLength / 4), s.dims) };
      process.send!({ ready: true });
    } else if (m.measure) {
      const session = await ort.InferenceSession.create(setup!.modelPath, { intraOpNumThreads: setup!.threads });
      const out: number[] = [];
      for (let i = 0; i < m.measure.warmup + m.measure.iterations; i++) {
        const t0 = performance.now();
        await session.run(feeds);
        const dt = performance.now() - t0;
        if (i >= m.measure.warmup) out.push(dt);
      }
      await session.release();
      process.send!({ latenciesMs: out });
    }
  } catch (e) {
    process.send!({ error: String(e) });
  }
});
process.on('disconnect', () => process.exit(0));

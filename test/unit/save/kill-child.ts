// Child process of kill.test.ts: saves two different models over the same target, alternately, until killed.
//   node kill-child.js TARGET MODEL_A MODEL_B [FIRST]   (FIRST 0: start with A, 1: start with B)
// Prints "ready" once both models are decoded, then "saved N" after each complete save.
import { readFileSync } from 'node:fs';
import { decodeModel } from '../../../src/core/codec/decode';
import { saveModel } from '../../../src/core/codec/save';

const [target, a, b, first] = process.argv.slice(2);
const start = Number(first ?? 0);
const models = [a, b].map((p) => {
  const bytes = readFileSync(p);
  return { bytes, model: decodeModel(bytes, { path: target }) };
});
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const m = models[(i + start) % 2];
  saveModel({ bytes: m.bytes, model: m.model, targetPath: target });
  process.stdout.write(`saved ${i}\n`);
}

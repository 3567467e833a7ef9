// Run by refusals.test.ts in a child process with a time limit: a FIFO swapped in between the store's checks
// and its open. If the store ever opened without O_NONBLOCK this would block forever, so it must not run inside
// the test process. Prints the outcome as one JSON line.
import fs, { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExternalDataError, ExternalDataStore } from '../../../src/core/codec/external';

const dir = mkdtempSync(join(tmpdir(), 'onnx-lens-ext-fifo-'));
try {
  const file = join(dir, 'w.bin');
  writeFileSync(file, new Uint8Array(8));
  const store = new ExternalDataStore(dir);
  const real = fs.openSync;
  let swapped = false;
  (fs as { openSync: typeof fs.openSync }).openSync = ((p: fs.PathLike, ...rest: unknown[]) => {
    if (!swapped) {
      swapped = true;
      rmSync(String(p));
      execFileSync('mkfifo', [String(p)], { stdio: 'ignore' });
    }
    return (real as (...a: unknown[]) => number)(p, ...rest);
  }) as typeof fs.openSync;
  try {
    store.read('W', { location: 'w.bin', offset: 0, length: 8 });
    console.log(JSON.stringify({ swapped, reason: 'read' }));
  } catch (e) {
    console.log(JSON.stringify({ swapped, reason: e instanceof ExternalDataError ? e.reason : String(e) }));
  }
  store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// What the VSIX carries (`vsce ls`): the bundles, onnxruntime's linux-x64 binaries only, no sources or tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '../../..');

test('the VSIX holds the bundles and only linux-x64 onnxruntime binaries', () => {
  const files = execFileSync(process.execPath, [join(root, 'node_modules/@vscode/vsce/vsce'), 'ls'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .split('\n')
    .filter(Boolean);
  for (const f of ['package.json', 'dist/extension.js', 'dist/runtime-child.js', 'dist/webview.js', 'dist/layout-worker.js', 'dist/cli.js', 'media/webview.css', 'LICENSE']) {
    assert.ok(files.includes(f), `${f} missing from the VSIX`);
  }
  const binaries = files.filter((f) => /\.(node|so(\.\d+)*|dll|dylib)$/.test(f));
  assert.ok(binaries.length >= 2, 'onnxruntime binaries missing');
  for (const b of binaries) assert.match(b, /^node_modules\/onnxruntime-node\/bin\/napi-v\d+\/linux\/x64\//, b);
  const leaked = files.filter((f) => /^(src|test|webview|proto|bench|scripts|\.ci)\//.test(f) || f.endsWith('.map') || f.endsWith('.ts') && !f.startsWith('node_modules/'));
  assert.deepEqual(leaked, []);
});

test('onnxruntime-node loads from the packaged VSIX alone', () => {
  const { mkdtempSync, readFileSync, writeFileSync, mkdirSync } = require('node:fs') as typeof import('node:fs');
  const { tmpdir } = require('node:os') as typeof import('node:os');
  const { dirname } = require('node:path') as typeof import('node:path');
  const { unzipSync } = require('fflate') as typeof import('fflate');
  const dir = mkdtempSync(join(tmpdir(), 'onnx-lens-vsix-'));
  const vsix = join(dir, 'o.vsix');
  execFileSync(process.execPath, [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--target', 'linux-x64', '--out', vsix], { cwd: root, stdio: 'ignore' });
  for (const [name, data] of Object.entries(unzipSync(readFileSync(vsix)))) {
    if (name.endsWith('/')) continue;
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), data);
  }
  const out = execFileSync(process.execPath, ['-e', `console.log(require(${JSON.stringify(join(dir, 'extension/node_modules/onnxruntime-node'))}).env.versions.node)`], { encoding: 'utf8' });
  assert.match(out.trim(), /^\d+\.\d+\.\d+$/);
});

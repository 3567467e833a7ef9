// End-to-end harness: a real VS Code workbench (code-server on 127.0.0.1) rendered by Debian's Chromium
// and driven by playwright-core.
//
//   const wb = await launchWorkbench({ name: 'smoke', workspace, extensionPaths: [ext] });
//   try { await wb.openFileViaQuickOpen('tiny.onnx'); const f = await wb.webviewFrame(); ... }
//   finally { await wb.close(); }
//
// The helpers (class Workbench) only need a playwright Page showing a VS Code workbench, so a runner
// that starts desktop VS Code instead (@vscode/test-electron's downloadAndUnzipVSCode + playwright's
// _electron.launch, whose firstWindow() is such a Page) can reuse them and the tests unchanged: only
// launchWorkbench() knows about code-server and Chromium.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Frame, type Locator, type Page } from 'playwright-core';
import { RESULTS_DIR, TAG_VAR, killTagged, startCodeServer, type CodeServer, type CodeServerOptions } from './code-server.mjs';

export { RESULTS_DIR };

/** Chromium flags: headless, sandbox-less (root in a container), nothing that phones home. */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  // Only loopback names resolve: the workbench must not depend on (or even try) the network.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
];

export interface LaunchOptions extends Omit<CodeServerOptions, 'logFile' | 'logsDir'> {
  /** Names the log (test-results/e2e/<name>.code-server.log) and prefixes screenshots. */
  name: string;
  /** Whole-session limit: when reached, code-server and Chromium are killed and every pending call fails. Default 240 s. */
  timeoutMs?: number;
  /** Default /usr/bin/chromium (or $ONNX_LENS_E2E_CHROMIUM). */
  chromiumPath?: string;
  viewport?: { width: number; height: number };
  /** Default 60 s: until the workbench shows the explorer and the extension host is up. */
  workbenchTimeoutMs?: number;
}

export interface Problem {
  severity: 'error' | 'warning' | 'info' | 'unknown';
  message: string;
  /** The row's full accessible text as VS Code words it (includes file, line and source). */
  label: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts code-server + Chromium and returns a Workbench whose page shows the workspace, ready for input. */
export async function launchWorkbench(opts: LaunchOptions): Promise<Workbench> {
  if (process.env.ONNX_LENS_E2E_HOST === 'electron') return launchElectronWorkbench(opts);
  const timeoutMs = opts.timeoutMs ?? 240_000;
  mkdirSync(RESULTS_DIR, { recursive: true });
  const started = Date.now();
  const server = await startCodeServer({
    ...opts,
    logFile: join(RESULTS_DIR, `${opts.name}.code-server.log`),
    logsDir: join(RESULTS_DIR, `${opts.name}.vscode-logs`),
  });
  const profile = mkdtempSync(join(tmpdir(), 'onnx-lens-e2e-chromium-'));
  let context: BrowserContext | undefined;
  let wb: Workbench | undefined;
  const cleanup = async () => {
    if (wb?.consoleErrors.length) writeFileSync(join(RESULTS_DIR, `${opts.name}.console-errors.log`), wb.consoleErrors.join('\n') + '\n');
    await context?.close().catch(() => {});
    killTagged(server.tag, 'SIGKILL');
    await server.stop();
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: opts.chromiumPath ?? process.env.ONNX_LENS_E2E_CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_FLAGS,
      // Chromium inherits the tag, so a leftover renderer is found and killed like a code-server child.
      env: { ...process.env, [TAG_VAR]: server.tag } as Record<string, string>,
      viewport: opts.viewport ?? { width: 1400, height: 900 },
      timeout: 60_000,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    wb = new Workbench(page, opts.name, cleanup, server);
    wb.armHardTimeout(timeoutMs - (Date.now() - started), `${timeoutMs} ms`);
    await page.goto(server.workspaceUrl, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await wb.waitForReady(opts.workbenchTimeoutMs ?? 60_000);
    return wb;
  } catch (e) {
    const timedOut = wb?.isTimedOut ?? false;
    if (wb) await wb.close();
    else await cleanup();
    if (timedOut) throw new Error(`e2e[${opts.name}]: the hard timeout of ${timeoutMs} ms was reached while the workbench was starting`, { cause: e });
    throw e;
  }
}

/**
 * The same tests on desktop VS Code, for machines that can download it: @vscode/test-electron fetches VS Code,
 * playwright-core drives its Electron window, and the Workbench API is unchanged (it only needs a Page).
 * Select with ONNX_LENS_E2E_HOST=electron (ONNX_LENS_E2E_VSCODE_VERSION picks the version, default stable).
 * Not run here: these machines cannot download VS Code.
 */
async function launchElectronWorkbench(opts: LaunchOptions): Promise<Workbench> {
  const timeoutMs = opts.timeoutMs ?? 240_000;
  const { downloadAndUnzipVSCode } = await import('@vscode/test-electron');
  const { _electron } = await import('playwright-core');
  const executablePath = await downloadAndUnzipVSCode(process.env.ONNX_LENS_E2E_VSCODE_VERSION ?? 'stable');
  const userData = mkdtempSync(join(tmpdir(), 'onnx-lens-e2e-vscode-user-'));
  const extensions = mkdtempSync(join(tmpdir(), 'onnx-lens-e2e-vscode-ext-'));
  const app = await _electron.launch({
    executablePath,
    args: [
      opts.workspace,
      ...(opts.extensionPaths ?? []).map((p) => `--extensionDevelopmentPath=${p}`),
      `--user-data-dir=${userData}`,
      `--extensions-dir=${extensions}`,
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
      '--disable-telemetry',
      '--disable-updates',
    ],
    timeout: 120_000,
  });
  const page = await app.firstWindow();
  await page.setViewportSize(opts.viewport ?? { width: 1400, height: 900 }).catch(() => {});
  const wb = new Workbench(page, opts.name, async () => {
    await app.close().catch(() => {});
    rmSync(userData, { recursive: true, force: true });
    rmSync(extensions, { recursive: true, force: true });
  });
  wb.armHardTimeout(timeoutMs, `${timeoutMs} ms`);
  await wb.waitForReady(opts.workbenchTimeoutMs ?? 120_000);
  return wb;
}

export class Workbench {
  /** Console errors of the workbench page (the log also keeps them), for assertions and debugging. */
  readonly consoleErrors: string[] = [];
  private closed = false;
  private closing: Promise<void> | undefined;
  private timedOut = false;
  private hardTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly page: Page,
    readonly name: string,
    private readonly cleanup: () => Promise<void>,
    readonly server?: CodeServer,
  ) {
    page.on('console', (m) => {
      if (m.type() === 'error') this.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => this.consoleErrors.push(`pageerror: ${e.message}`));
  }

  /** Kills everything after `ms` whatever the test is doing; later calls then fail saying so. */
  armHardTimeout(ms: number, what = `${ms} ms`): void {
    clearTimeout(this.hardTimer);
    this.hardTimer = setTimeout(() => {
      this.timedOut = true;
      console.error(`e2e[${this.name}]: hard timeout of ${what} reached: killing code-server and Chromium`);
      this.server?.stopSync();
      void this.close();
    }, Math.max(1, ms));
    this.hardTimer.unref();
  }

  /** Closes Chromium and stops code-server (process groups and tagged processes). Safe to call twice. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closed = true;
      clearTimeout(this.hardTimer);
      this.closing = this.cleanup();
    }
    return this.closing;
  }

  get isTimedOut(): boolean {
    return this.timedOut;
  }

  /** Waits until the workbench is laid out, the explorer shows the folder, and nothing modal is up. */
  async waitForReady(timeoutMs = 60_000): Promise<void> {
    const p = this.page;
    await this.step('the workbench to load', timeoutMs, async (t) => {
      await p.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: t });
      await p.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: t });
      await p.locator('#workbench\\.parts\\.statusbar').waitFor({ state: 'visible', timeout: t });
    });
    // Extension host up: the status bar gets its extension-contributed entries and the explorer settles.
    await sleep(500);
    await this.focusWorkbench();
  }

  /** Closes quick input / notifications focus and puts the keyboard focus back on the workbench. */
  async focusWorkbench(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('Escape');
  }

  /**
   * Ctrl+P, type `name`, pick the matching row, and wait for its editor tab to be active. `name` is a
   * file name ("tiny.onnx") or a workspace-relative path ("mobilenet_v2/model.onnx") when names repeat.
   */
  async openFileViaQuickOpen(name: string, timeoutMs = 20_000): Promise<void> {
    const p = this.page;
    const parts = name.split(/[\\/]/);
    const base = parts.pop() ?? name;
    const dir = parts.join('/');
    await this.step(`quick open of "${name}"`, timeoutMs, async (t) => {
      let row = this.quickInputRows().filter({ has: p.locator('.label-name', { hasText: exactText(base) }) });
      if (dir) row = row.filter({ has: p.locator('.label-description', { hasText: dir }) });
      await this.chooseQuickInputRow(`file "${name}"`, 'Control+P', name, row.first(), t);
      await this.activeTab(base).waitFor({ state: 'visible', timeout: t });
    });
  }

  /** F1, type `title` (as the palette shows it, e.g. "ONNX Lens: Open" or "View: Toggle Problems"), run it. */
  async runCommand(title: string, timeoutMs = 20_000): Promise<void> {
    await this.step(`the command "${title}"`, timeoutMs, async (t) => {
      await this.chooseQuickInputRow(`command titled "${title}"`, 'F1', `>${title}`, this.commandRow(title), t);
      await this.quickInputWidget().waitFor({ state: 'hidden', timeout: t });
    });
  }

  /**
   * F1, type `title`, click the matching row, without waiting for the palette to close: for commands
   * that open their own quick pick or input box at once (runCommand would wait for that one to close too).
   */
  async startCommand(title: string, timeoutMs = 15_000): Promise<void> {
    await this.step(`starting the command "${title}"`, timeoutMs, async (t) => {
      await this.chooseQuickInputRow(`command titled "${title}"`, 'F1', `>${title}`, this.commandRow(title), t);
      const input = this.quickInputBox();
      // The palette is gone once the command's own quick input replaced it (or none opened).
      const deadline = Date.now() + t;
      while (Date.now() < deadline) {
        const open = await this.quickInputWidget().isVisible().catch(() => false);
        const value = open ? await input.inputValue().catch(() => '') : '';
        if (!open || !value.startsWith('>')) return;
        await sleep(50);
      }
      throw new Error('the command palette stayed open after its row was clicked');
    });
  }

  /**
   * Runs a command that opens its own quick pick and picks the row containing `text`. A quick pick closes when
   * focus leaves it, and a webview that was just opened can take the focus a moment later (seen under load in
   * CI): then the command is started once more.
   */
  async startCommandAndPick(title: string, text: string, timeoutMs = 15_000): Promise<void> {
    await this.startCommand(title, timeoutMs);
    const failed = await failureOf(this.clickQuickInputRow(text, timeoutMs));
    if (failed === undefined) return;
    // Still open: the row is not there, and starting again would not help. Report it as a failed step.
    if (await this.quickInputWidget().isVisible().catch(() => false)) await this.step(`the quick pick row "${text}" of "${title}"`, 0, () => Promise.reject(failed));
    console.log(`e2e[${this.name}]: the quick pick of "${title}" closed before its row was clicked; starting it again`);
    await this.startCommand(title, timeoutMs);
    await this.pickQuickInputRow(text, timeoutMs);
  }

  /**
   * Answers the open input box (or the simple file dialog) whose widget shows `prompt` (any, if empty): types `value` into its box
   * in place of what it holds, if given, and presses Enter there. Keys go to the box itself, not to whatever has
   * the keyboard focus: a webview that takes the focus leaves a box opened with ignoreFocusOut open but unfocused.
   */
  async answerQuickInput(prompt: string, value?: string, timeoutMs = 15_000): Promise<void> {
    await this.step(`the input box "${prompt}"`, timeoutMs, async (t) => {
      const widget = prompt ? this.page.locator('.quick-input-widget', { hasText: prompt }) : this.quickInputWidget();
      await widget.waitFor({ state: 'visible', timeout: t });
      if (value !== undefined) await this.quickInputBox().fill(value, { timeout: t });
      await this.quickInputBox().press('Enter', { timeout: t });
    });
  }

  /** Clicks the first row of the open quick input whose text contains `text` (a command's own quick pick). */
  async pickQuickInputRow(text: string, timeoutMs = 15_000): Promise<void> {
    await this.step(`the quick pick row "${text}"`, timeoutMs, (t) => this.clickQuickInputRow(text, t));
  }

  private async clickQuickInputRow(text: string, timeoutMs: number): Promise<void> {
    const row = this.quickInputRows().filter({ hasText: text }).first();
    await row.waitFor({ state: 'visible', timeout: timeoutMs });
    await row.click({ timeout: timeoutMs });
  }

  /**
   * The content frame of the visible webview (custom editor or panel). VS Code hosts each webview in an
   * outer iframe (index.html) whose inner iframe (#active-frame) holds the extension's HTML.
   * `selector`, if given, must be present in the content before the frame is returned.
   */
  async webviewFrame(opts: { selector?: string; timeoutMs?: number } = {}): Promise<Frame> {
    const timeoutMs = opts.timeoutMs ?? 20_000;
    const deadline = Date.now() + timeoutMs;
    let last = 'no webview iframe on the page';
    while (Date.now() < deadline) {
      this.throwIfClosed();
      for (const outer of this.page.mainFrame().childFrames()) {
        const el = await outer.frameElement().catch(() => undefined);
        if (!el || !(await el.isVisible().catch(() => false))) continue;
        if (!(await el.evaluate((e) => (e as Element).classList.contains('webview') && (e as Element).classList.contains('ready')).catch(() => false))) continue;
        // The content frame is #active-frame; while content is (re)loading a #pending-frame exists too.
        let inner: Frame | undefined;
        for (const f of outer.childFrames()) {
          const id = await f.frameElement().then((e) => e.getAttribute('id')).catch(() => null);
          if (id === 'active-frame') inner = f;
        }
        if (!inner) {
          last = 'a visible webview has no content frame yet';
          continue;
        }
        if (opts.selector && (await inner.locator(opts.selector).count().catch(() => 0)) === 0) {
          last = `the visible webview has no element matching ${opts.selector} yet`;
          continue;
        }
        return inner;
      }
      await sleep(100);
    }
    throw new Error(`expected a visible webview${opts.selector ? ` containing ${opts.selector}` : ''} within ${timeoutMs} ms; ${last}. Is the custom editor registered and the file opened?`);
  }

  /** Saves a full-page PNG as test-results/e2e/<name>-<label>.png and returns its path. */
  async screenshot(label: string): Promise<string> {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const path = join(RESULTS_DIR, `${this.name}-${label.replace(/[^\w.-]+/g, '_')}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  /** Hovers `target` (a locator, or page coordinates) and returns the text of the VS Code hover widget that appears. */
  async hover(target: Locator | { x: number; y: number }, timeoutMs = 10_000): Promise<string> {
    return this.step('a hover', timeoutMs, async (t) => {
      if ('x' in target) {
        await this.page.mouse.move(target.x - 20, target.y);
        await this.page.mouse.move(target.x, target.y, { steps: 4 });
      } else await target.hover({ timeout: t });
      const widget = this.page.locator('.monaco-hover:not(.hidden)').filter({ has: this.page.locator('.hover-contents') }).first();
      await widget.waitFor({ state: 'visible', timeout: t });
      return (await widget.locator('.hover-contents').first().innerText()).trim();
    });
  }

  /** Hovers the middle of the first occurrence of `word` in the active text editor and returns the hover's text. */
  async hoverEditorWord(word: string, timeoutMs = 10_000): Promise<string> {
    const token = this.page.locator('.editor-group-container.active .monaco-editor .view-lines span span', { hasText: word }).first();
    const point = await this.step(`the word "${word}" in the active editor`, timeoutMs, async (t) => {
      await token.waitFor({ state: 'visible', timeout: t });
      return token.evaluate((el, w) => {
        const text = el.firstChild;
        const at = el.textContent?.indexOf(w) ?? -1;
        if (!text || at < 0) {
          const r = el.getBoundingClientRect();
          return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
        }
        const range = document.createRange();
        range.setStart(text, at);
        range.setEnd(text, at + w.length);
        const r = range.getBoundingClientRect();
        return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
      }, word);
    });
    return this.hover(point, timeoutMs);
  }

  /** Opens (and focuses) the Problems panel. */
  async openProblems(timeoutMs = 10_000): Promise<void> {
    await this.step('the Problems panel', timeoutMs, async (t) => {
      await this.focusWorkbench();
      await this.page.keyboard.press('Control+Shift+M');
      await this.page.locator('.markers-panel').waitFor({ state: 'visible', timeout: t });
    });
  }

  /** The problem rows the Problems panel lists (open it first). */
  async problems(): Promise<Problem[]> {
    const rows = this.page.locator('.markers-panel .monaco-list-row');
    const out: Problem[] = [];
    for (const row of await rows.all()) {
      if ((await row.locator('.marker-message-details, .marker-message').count()) === 0) continue;
      const label = (await row.getAttribute('aria-label')) ?? '';
      const icon = (await row.locator('.marker-icon').first().getAttribute('class').catch(() => '')) ?? '';
      const severity = /error/.test(icon) ? 'error' : /warning/.test(icon) ? 'warning' : /info/.test(icon) ? 'info' : 'unknown';
      const message = (await row.locator('.marker-message, .marker-message-details').first().innerText()).trim();
      out.push({ severity, message, label });
    }
    return out;
  }

  /** Waits until the Problems panel lists a problem whose message contains `text`. */
  async waitForProblem(text: string | RegExp, timeoutMs = 10_000): Promise<Problem> {
    const deadline = Date.now() + timeoutMs;
    let seen: Problem[] = [];
    while (Date.now() < deadline) {
      this.throwIfClosed();
      seen = await this.problems();
      const hit = seen.find((p) => (typeof text === 'string' ? p.message.includes(text) : text.test(p.message)));
      if (hit) return hit;
      await sleep(100);
    }
    throw new Error(`expected a problem matching ${String(text)} within ${timeoutMs} ms; the Problems panel lists ${JSON.stringify(seen.map((p) => p.message))}`);
  }

  /** The error and warning counts the status bar shows. */
  async problemCounts(): Promise<{ errors: number; warnings: number }> {
    const text = await this.page.locator('#status\\.problems').first().innerText();
    const [errors, warnings] = (text.match(/\d+/g) ?? []).map(Number);
    if (errors === undefined || warnings === undefined) throw new Error(`expected the status bar's problems item to show two counts, found ${JSON.stringify(text)}`);
    return { errors, warnings };
  }

  /** Texts of the notification toasts currently shown. */
  async notifications(): Promise<string[]> {
    return (await this.page.locator('.notification-toast .notification-list-item-message').allInnerTexts()).map((s) => s.trim());
  }

  /** Waits for a notification toast containing `text` and returns its text. */
  async waitForNotification(text: string | RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let seen: string[] = [];
    while (Date.now() < deadline) {
      this.throwIfClosed();
      seen = await this.notifications();
      const hit = seen.find((s) => (typeof text === 'string' ? s.includes(text) : text.test(s)));
      if (hit) return hit;
      await sleep(100);
    }
    throw new Error(`expected a notification matching ${String(text)} within ${timeoutMs} ms; shown: ${JSON.stringify(seen)}`);
  }

  /** The active editor tab of the active editor group, by its file's base name. */
  activeTab(fileName: string): Locator {
    const base = fileName.split(/[\\/]/).pop() ?? fileName;
    return this.page.locator(`.editor-group-container.active .tabs-container [role="tab"].active[data-resource-name=${JSON.stringify(base)}]`);
  }

  /** The command palette's row for the command titled exactly `title`. */
  private commandRow(title: string): Locator {
    return this.quickInputRows().filter({ has: this.page.locator('.label-name', { hasText: exactText(title) }) }).first();
  }

  /**
   * Opens the quick input with `key`, types `text` and clicks `row` (the `sought` one). A quick input closes when
   * focus leaves it, and a webview that was just shown (a tab switch, a reload) can take the focus a moment later,
   * seen under load in CI: when the quick input closed under any of these steps it is opened again, up to three
   * times in all. Any other failure is thrown at once.
   */
  private async chooseQuickInputRow(sought: string, key: string, text: string, row: Locator, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const left = (): number => Math.max(1, deadline - Date.now());
    const closed = async (): Promise<boolean> => !(await this.quickInputWidget().isVisible().catch(() => false));
    for (let attempt = 1; ; attempt++) {
      await this.focusWorkbench();
      await this.page.keyboard.press(key);
      await this.quickInputBox().waitFor({ state: 'visible', timeout: left() });
      // fill and click wait for their element to be actionable; one closed under them stays hidden, so short
      // limits tell a closed quick input from a slow one.
      let failed = await failureOf(this.quickInputBox().fill(text, { timeout: Math.min(left(), 5000) }));
      if (failed === undefined) {
        // Whichever comes first; the other wait ends by its own time limit, its failure ignored.
        const seen = await Promise.race([
          row.waitFor({ state: 'visible', timeout: left() }).then(() => 'row', () => 'no row'),
          this.quickInputWidget().waitFor({ state: 'hidden', timeout: left() }).then(() => 'closed', () => 'no row'),
        ]);
        if (seen === 'no row' && !(await closed())) {
          const listed = await this.quickInputRows().locator('.label-name').allInnerTexts().catch(() => []);
          throw new Error(`no ${sought} in the quick input; it lists: ${JSON.stringify(listed.slice(0, 10))}`);
        }
        failed = new Error('closed');
        // A click still pending when its time limit ends is over, so it cannot land in the next quick input.
        while (seen === 'row' && failed !== undefined && !(await closed()) && Date.now() < deadline) {
          failed = await failureOf(row.click({ timeout: Math.min(left(), 2000) }));
        }
      }
      if (failed === undefined) return;
      if (!(await closed())) throw failed;
      if (attempt === 3 || Date.now() >= deadline) throw new Error(`the quick input closed by itself ${attempt} times before the ${sought} could be chosen`);
      console.log(`e2e[${this.name}]: the quick input closed before the ${sought} was chosen (focus taken); opening it again`);
    }
  }

  private quickInputWidget(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  private quickInputBox(): Locator {
    return this.page.locator('.quick-input-widget .quick-input-box input');
  }

  private quickInputRows(): Locator {
    return this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  }

  private throwIfClosed(): void {
    if (this.timedOut) throw new Error(`e2e[${this.name}]: the session hit its hard timeout and was shut down (raise timeoutMs if the test is legitimately slow)`);
    if (this.closed) throw new Error(`e2e[${this.name}]: the workbench was already closed`);
  }

  /** Runs one UI step with its own time limit and an error that says which step failed. */
  private async step<T>(what: string, timeoutMs: number, fn: (timeoutMs: number) => Promise<T>): Promise<T> {
    this.throwIfClosed();
    try {
      return await fn(timeoutMs);
    } catch (e) {
      this.throwIfClosed();
      const shot = await this.screenshot(`failure-${what}`).catch(() => undefined);
      const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new Error(`e2e[${this.name}]: waiting for ${what} failed: ${msg}${shot ? ` (screenshot: ${shot})` : ''}`, { cause: e });
    }
  }
}

/** What `p` failed with, or undefined when it succeeded. */
async function failureOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e ?? new Error('failed'),
  );
}

/** A RegExp matching exactly `s` (hasText with a string matches substrings). */
function exactText(s: string): RegExp {
  return new RegExp(`^\\s*${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

/**
 * Graph surgery in the editor: every pass of src/core/passes as a command, its arguments asked through quick
 * picks and input boxes built from the pass's declared args; quick fixes of diagnostics; node and edge actions
 * from the graph view's context menu. A pass runs on a fresh copy of the model; a change becomes one undoable
 * edit with the pass's label, a no-op makes none. After each edit, onnxruntime runs the model before and after
 * on the same seeded inputs (onnxLens.surgery.checkWithOnnxruntime) and the status bar says whether the
 * numbers moved.
 */
import * as vscode from 'vscode';
import { getPass, listPasses, passCallForFix, PassError, runPass, type Pass, type PassArgSpec } from '../core/passes';
import { nodeRef } from '../core/passes/lib/graph';
import { checkEdit, describeEditCheck, type EditCheck } from '../core/compare/edit-check';
import { decodeModel } from '../core/codec/decode';
import type { Graph, Model, Node } from '../core/ir/model';
import { describeType } from '../core/ir/types';
import { inert } from './inert';
import type { OnnxDocument, ModelEdit } from './document';
import type { GraphEditorProvider } from './graphEditor';
import type { RuntimeService } from './runtime';
import type { DiagnosticsService } from './diagnostics';

/** Which op types a pass's optional 'node' argument is about (the picker offers only those). */
const NODE_OPS: Record<string, readonly string[]> = {
  'fold-batchnorm': ['BatchNormalization'],
  'rewrite-prelu': ['PRelu'],
  'reshape-prelu-slope': ['PRelu'],
};

/** What the graph view's context menu passes to a command (data-vscode-context of the clicked element). */
export interface ViewContext {
  webviewSection?: string;
  graphId?: number;
  nodeId?: number;
  tensor?: string;
}

export interface ApplyOutcome {
  applied: boolean;
  message: string;
  check?: EditCheck;
}

export class SurgeryService implements vscode.Disposable {
  private readonly status = vscode.window.createStatusBarItem('onnxLens.surgery', vscode.StatusBarAlignment.Left, 9);
  private readonly subscriptions: vscode.Disposable[] = [this.status];
  /** The last finished check per document (for tests and the status bar). */
  readonly lastCheck = new WeakMap<OnnxDocument, EditCheck>();
  /** Checks in flight (tests wait on them). */
  private pending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly provider: GraphEditorProvider,
    private readonly runtime: RuntimeService,
    private readonly diagnostics: DiagnosticsService,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.status.name = 'ONNX Lens: edit check';
    this.subscriptions.push(
      provider.onDidOpenDocument((doc) => doc.onDidChangeContent(() => this.showStatus(doc))),
      vscode.window.tabGroups.onDidChangeTabs(() => this.showStatus(this.provider.activeEditor?.document)),
    );
  }

  /** Registers one command per pass plus the generic ones. */
  register(): vscode.Disposable[] {
    const out: vscode.Disposable[] = [];
    for (const p of listPasses()) {
      out.push(vscode.commands.registerCommand(`onnxLens.pass.${p.id}`, (ctx?: ViewContext, preset?: Record<string, unknown>) => this.command(p, ctx, preset)));
    }
    out.push(
      vscode.commands.registerCommand('onnxLens.simplify', (ctx?: ViewContext) => this.command(getPass('simplify')!, ctx)),
      vscode.commands.registerCommand('onnxLens.runPass', async (ctx?: ViewContext) => {
        const pick = await vscode.window.showQuickPick(
          listPasses().map((p) => ({ label: p.title, description: p.id, detail: p.description, pass: p })),
          { title: 'ONNX Lens: run a pass', placeHolder: 'Which pass?', matchOnDescription: true, matchOnDetail: true },
        );
        return pick ? this.command(pick.pass, ctx) : undefined;
      }),
      // Quick fixes: from the text view's code actions (a pass call) or from the graph view (a fix id on a node).
      vscode.commands.registerCommand('onnxLens.applyFix', (modelUri: string, call: { pass: string; args: Record<string, unknown>; label: string }) => {
        const doc = [...this.provider.documents].find((d) => d.uri.toString() === modelUri);
        if (!doc) return { applied: false, message: 'the model is no longer open' };
        return this.apply(doc, call.pass, call.args, call.label);
      }),
      vscode.commands.registerCommand('onnxLens.internal.nodeAction', (editor: { document: OnnxDocument }, method: string, params: { graphId: number; nodeId: number; fixId?: string; action?: string }) =>
        method === 'applyFix' ? this.fixFromView(editor.document, params.graphId, params.nodeId, params.fixId ?? '') : this.actionFromView(editor.document, params),
      ),
      vscode.commands.registerCommand('onnxLens.internal.waitForChecks', () => this.pending),
    );
    return out;
  }

  /** The document a command acts on: the graph editor looked at last (a context-menu click makes it so). */
  private activeDocument(): OnnxDocument | undefined {
    const doc = this.provider.activeEditor?.document;
    if (!doc) void vscode.window.showWarningMessage('ONNX Lens: open an .onnx file in the graph view first.');
    else if (!doc.model) void vscode.window.showWarningMessage(`ONNX Lens: ${doc.fileName} did not open as a model: nothing to edit.`);
    return doc?.model ? doc : undefined;
  }

  /** A command: asks for the arguments (those a context or preset does not give), then applies. */
  private async command(pass: Pass, ctx?: ViewContext, preset: Record<string, unknown> = {}): Promise<ApplyOutcome | undefined> {
    const doc = this.activeDocument();
    if (!doc) return undefined;
    if (ctx && typeof ctx === 'object') this.log.info(`${pass.id} from the graph view's menu: ${JSON.stringify(ctx)}`);
    const args = { ...this.fromContext(pass, doc.model!, ctx), ...(preset ?? {}) };
    const asked = await this.askArgs(pass, doc.model!, args);
    if (!asked) return undefined;
    return this.apply(doc, pass.id, asked, this.labelFor(pass, asked));
  }

  private labelFor(pass: Pass, args: Record<string, unknown>): string {
    const shown = Object.entries(args)
      .filter(([k, v]) => v !== undefined && v !== '' && pass.args.find((a) => a.name === k)?.default !== v)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`);
    return shown.length ? `${pass.title} (${shown.join(', ')})` : pass.title;
  }

  private fromContext(pass: Pass, model: Model, ctx?: ViewContext): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (!ctx || typeof ctx !== 'object') return out;
    const node = ctx.graphId !== undefined && ctx.nodeId !== undefined ? this.nodeOf(model, ctx.graphId, ctx.nodeId) : undefined;
    for (const a of pass.args) {
      if (a.type === 'node' && node) out[a.name] = nodeRef(node);
      if ((a.type === 'tensor' || a.type === 'input') && typeof ctx.tensor === 'string') out[a.name] = ctx.tensor;
      if (a.type === 'tensors' && typeof ctx.tensor === 'string' && a.required) out[a.name] = [ctx.tensor];
      if (a.type === 'tensor' && !ctx.tensor && node?.outputs[0]) out[a.name] = node.outputs[0].name;
    }
    return out;
  }

  private nodeOf(model: Model, graphId: number, nodeId: number): Node | undefined {
    return model.allGraphs().find((g) => g.id === graphId)?.nodes.find((n) => n.id === nodeId);
  }

  /** Asks for every required argument not given, and for optional ones without a default; undefined: cancelled. */
  private async askArgs(pass: Pass, model: Model, given: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    const args: Record<string, unknown> = { ...given };
    for (const spec of pass.args) {
      if (args[spec.name] !== undefined) continue;
      if (!spec.required && spec.default !== undefined) continue;
      if (!spec.required && (spec.type === 'boolean' || spec.type === 'enum')) continue;
      const v = await this.askOne(pass, spec, model, args);
      if (v === CANCELLED) return undefined;
      if (v !== undefined) args[spec.name] = v;
    }
    return args;
  }

  private async askOne(pass: Pass, spec: PassArgSpec, model: Model, sofar: Record<string, unknown>): Promise<unknown> {
    const title = `${pass.title}: ${spec.name}`;
    // A pass asks one argument after another; looking at the graph meanwhile (or the graph's webview taking the
    // focus as it opens) must not cancel the pass halfway.
    const pickOpts: vscode.QuickPickOptions = { title, placeHolder: spec.description, ignoreFocusOut: true };
    const optional = !spec.required;
    switch (spec.type) {
      case 'node': {
        const ops = NODE_OPS[pass.id];
        const items: (vscode.QuickPickItem & { ref?: string })[] = [];
        if (optional) items.push({ label: '$(list-flat) All of them', description: spec.description, ref: undefined });
        for (const g of model.allGraphs()) {
          g.nodes.forEach((n) => {
            if (ops && !ops.includes(n.opType)) return;
            items.push({ label: inert(n.name || `${n.opType} #${g.nodes.indexOf(n)}`), description: inert(n.opType), detail: g === model.graph ? undefined : inert(g.path), ref: nodeRef(n) });
          });
        }
        if (items.length === (optional ? 1 : 0)) {
          if (optional) return undefined;
          throw new PassError(`the model has no node to pick for '${spec.name}'`);
        }
        const pick = await vscode.window.showQuickPick(items, { ...pickOpts, matchOnDescription: true, matchOnDetail: true });
        return pick ? pick.ref : CANCELLED;
      }
      case 'input': {
        const items = model.graph.inputs.filter((i) => !i.value.initializer).map((i) => ({ label: inert(i.value.name), description: inert(describeType(i.value.type)), name: i.value.name }));
        const pick = await vscode.window.showQuickPick(items, pickOpts);
        return pick ? pick.name : CANCELLED;
      }
      case 'tensor':
      case 'tensors': {
        const many = spec.type === 'tensors';
        const items = tensorItems(model);
        const pick = many
          ? await vscode.window.showQuickPick(items, { ...pickOpts, canPickMany: true, matchOnDescription: true })
          : await vscode.window.showQuickPick(items, { ...pickOpts, matchOnDescription: true });
        if (!pick) return CANCELLED;
        return Array.isArray(pick) ? pick.map((p) => p.name) : pick.name;
      }
      case 'enum': {
        const pick = await vscode.window.showQuickPick([...(spec.choices ?? [])], pickOpts);
        return pick ?? CANCELLED;
      }
      case 'boolean': {
        const pick = await vscode.window.showQuickPick(['true', 'false'], pickOpts);
        return pick === undefined ? CANCELLED : pick === 'true';
      }
      default: {
        const v = await vscode.window.showInputBox({
          title,
          ignoreFocusOut: true,
          prompt: spec.description + (optional ? ' (optional: leave empty)' : ''),
          value: suggestion(pass, spec, sofar),
          validateInput: (s) => {
            if (s.trim() === '') return optional ? undefined : `${spec.name} is required`;
            if (spec.type === 'integer' && !/^-?\d+$/.test(s.trim())) return 'an integer';
            if (spec.type === 'number' && !Number.isFinite(Number(s))) return 'a number';
            return undefined;
          },
        });
        if (v === undefined) return CANCELLED;
        return v.trim() === '' ? undefined : v.trim();
      }
    }
  }

  /** Runs a pass on a copy of the document's model and records the change as one edit. */
  async apply(doc: OnnxDocument, passId: string, args: Record<string, unknown>, label?: string): Promise<ApplyOutcome> {
    const pass = getPass(passId);
    if (!pass) return this.refused(`there is no pass '${passId}'`);
    if (!doc.model) return this.refused(`${doc.fileName} did not open as a model: nothing to edit`);
    const before = { model: doc.model, bytes: doc.bytes };
    let runtime: ReturnType<RuntimeService['get']> | undefined;
    if (pass.usesRuntime && vscode.workspace.isTrusted) {
      try {
        runtime = this.runtime.get();
      } catch {
        runtime = undefined;
      }
    }
    let result: Awaited<ReturnType<typeof runPass>>;
    let model: Model;
    const t0 = Date.now();
    try {
      result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `ONNX Lens: ${pass.title}`, cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          model = doc.cloneModel();
          return runPass(pass.id, model, args, {
            ...(runtime ? { runtime } : {}),
            signal: abort.signal,
            log: (line) => {
              this.log.info(`${pass.id}: ${line}`);
              progress.report({ message: line });
            },
          });
        },
      );
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (e instanceof PassError) return this.refused(`${pass.title}: ${message}`);
      this.log.error(`${pass.id} failed: ${e instanceof Error ? (e.stack ?? message) : message}`);
      return this.refused(`${pass.title} failed: ${message}. The model is unchanged.`);
    }
    for (const line of result.details ?? []) this.log.info(`${pass.id}: ${line}`);
    this.log.info(`${pass.id} on ${doc.fileName} in ${Date.now() - t0} ms: ${result.summary}`);
    if (!result.modified) {
      void vscode.window.showInformationMessage(inert(`ONNX Lens: ${pass.title}: nothing to change. ${result.summary}`));
      return { applied: false, message: `nothing to change: ${result.summary}` };
    }
    if (pass.kind === 'new-model') return this.saveNewModel(doc, pass, result.newModel, result.summary);
    const edit = doc.commit(label ?? pass.title, model!, result.files);
    if (!edit) {
      void vscode.window.showInformationMessage(inert(`ONNX Lens: ${pass.title}: the model is the same as before. ${result.summary}`));
      return { applied: false, message: `the model is the same as before: ${result.summary}` };
    }
    this.status.text = `$(sync~spin) ${inert(`${pass.title}: ${result.summary}`)}`;
    this.status.tooltip = 'onnxruntime is checking the model before and after the edit';
    this.status.show();
    const check = this.check(doc, edit, before, pass.title);
    this.pending = this.pending.then(() => check).catch(() => undefined);
    return { applied: true, message: result.summary };
  }

  private refused(message: string): ApplyOutcome {
    this.log.warn(`refused: ${message}`);
    void vscode.window.showErrorMessage(inert(`ONNX Lens: ${message}`));
    return { applied: false, message };
  }

  private async saveNewModel(doc: OnnxDocument, pass: Pass, bytes: Uint8Array | undefined, summary: string): Promise<ApplyOutcome> {
    if (!bytes) return this.refused(`${pass.title} produced no model`);
    const base = doc.uri.path.replace(/\.onnx$/i, '');
    const target = await vscode.window.showSaveDialog({
      title: `${pass.title}: save the new model`,
      defaultUri: doc.uri.with({ path: `${base}.extracted.onnx` }),
      filters: { 'ONNX model': ['onnx'] },
    });
    if (!target) return { applied: false, message: 'not saved' };
    if (target.scheme === 'file') {
      const { writeFileAtomic } = await import('../core/codec/atomic');
      writeFileAtomic(target.fsPath, bytes);
    } else await vscode.workspace.fs.writeFile(target, bytes);
    const open = await vscode.window.showInformationMessage(inert(`ONNX Lens: ${summary}; saved to ${target.fsPath || target.toString()}`), 'Open');
    if (open === 'Open') await vscode.commands.executeCommand('vscode.openWith', target, 'onnxLens.graph');
    return { applied: true, message: summary };
  }

  /** onnxruntime on the model before and after the edit, on the same seeded inputs. */
  private async check(doc: OnnxDocument, edit: ModelEdit, before: { model: Model; bytes: Uint8Array }, title: string): Promise<void> {
    const enabled = vscode.workspace.getConfiguration('onnxLens.surgery').get<boolean>('checkWithOnnxruntime', true);
    if (!enabled) {
      this.showStatus(doc);
      return;
    }
    let result: EditCheck;
    let nodes = 0;
    for (const g of before.model.allGraphs()) nodes += g.nodes.length;
    if (nodes > CHECK_MAX_NODES) {
      result = { status: 'skipped', reason: `${nodes.toLocaleString('en-US')} nodes is more than the check after each edit runs (${CHECK_MAX_NODES.toLocaleString('en-US')}); compare with reference outputs instead` };
    } else if (!vscode.workspace.isTrusted) {
      result = { status: 'skipped', reason: 'running models needs a trusted workspace' };
    } else {
      const c = vscode.workspace.getConfiguration('onnxLens.surgery');
      try {
        result = await checkEdit({
          runner: this.runtime.get(),
          before,
          after: { model: decodeModel(edit.after, { path: before.model.path }), bytes: edit.after },
          // The user's optimization level for both sides: 'disabled' makes sessions of large graphs take
          // minutes (DESIGN.md), and an edit that moves the numbers moves them under any level.
          loadOptions: this.runtime.loadOptions(),
          rtol: c.get<number>('rtol', 1e-4),
          atol: c.get<number>('atol', 1e-5),
        });
      } catch (e) {
        result = { status: 'skipped', reason: `onnxruntime could not run it: ${e instanceof Error ? e.message : String(e)}` };
      }
    }
    edit.check = result;
    this.lastCheck.set(doc, result);
    const line = describeEditCheck(result);
    this.log.info(`check after '${edit.label}': ${line}`);
    this.showStatus(doc);
    if (result.status === 'broken' || (result.status === 'checked' && !result.pass)) {
      const what = result.status === 'broken' ? 'broke the model for onnxruntime' : 'changed the numbers';
      const choice = await vscode.window.showWarningMessage(inert(`ONNX Lens: '${title}' ${what}: ${line}`), 'Undo', 'Keep');
      if (choice === 'Undo' && doc.lastEdit === edit) {
        this.provider.editorsFor(doc.uri)[0]?.panel.reveal(undefined, false);
        await vscode.commands.executeCommand('undo');
      }
    }
  }

  /** The status bar shows the check of the edit that made the active document's current state. */
  private showStatus(doc: OnnxDocument | undefined): void {
    const edit = doc?.lastEdit;
    if (!doc || !edit || doc !== this.provider.activeEditor?.document) {
      this.status.hide();
      return;
    }
    const c = edit.check;
    if (!c) {
      this.status.text = `$(edit) ${inert(edit.label)}`;
      this.status.tooltip = 'Not checked in onnxruntime (onnxLens.surgery.checkWithOnnxruntime)';
      this.status.backgroundColor = undefined;
    } else if (c.status === 'broken') {
      this.status.text = `$(error) ${inert(edit.label)}: onnxruntime cannot run the result`;
      this.status.tooltip = describeEditCheck(c);
      this.status.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    } else if (c.status === 'skipped') {
      this.status.text = `$(circle-slash) ${inert(edit.label)}: not checked`;
      this.status.tooltip = describeEditCheck(c);
      this.status.backgroundColor = undefined;
    } else {
      const fmt = (x: number) => (x === 0 ? '0' : x.toExponential(1));
      this.status.text = `${c.pass ? '$(pass)' : '$(warning)'} ${inert(edit.label)}: max abs ${fmt(c.maxAbs)}, rel ${fmt(c.maxRel)}`;
      this.status.tooltip = `onnxruntime, before vs after the edit: ${describeEditCheck(c)} (${c.ms} ms)`;
      this.status.backgroundColor = c.pass ? undefined : new vscode.ThemeColor('statusBarItem.warningBackground');
    }
    this.status.show();
  }

  /** A quick fix clicked in the graph view: the diagnostic on that node with that fix. */
  private async fixFromView(doc: OnnxDocument, graphId: number, nodeId: number, fixId: string): Promise<{ applied: boolean; message: string }> {
    // The view names a fix `<diagnostic code>#<index of the fix>` (DiagnosticsService.forView).
    const m = /^(.*)#(\d+)$/.exec(fixId);
    const code = m ? m[1] : fixId;
    const index = m ? Number(m[2]) : 0;
    const d = this.diagnostics.get(doc).find((x) => x.node?.id === nodeId && x.node.graph.id === graphId && x.code === code && (x.fixes?.length ?? 0) > index);
    const fix = d?.fixes?.[index];
    if (!d || !fix) {
      this.log.warn(`quick fix '${fixId}' from the graph view: no finding with it on node ${nodeId} of graph ${graphId}`);
      return { applied: false, message: `the finding with the fix '${fixId}' is no longer on this node` };
    }
    let call;
    try {
      call = passCallForFix(d, fix);
    } catch (e) {
      return this.refused((e as Error).message);
    }
    const r = await this.apply(doc, call.pass, call.args, call.label);
    return { applied: r.applied, message: r.message };
  }

  /** A node action from the graph view's own buttons: { action: pass id }. */
  private async actionFromView(doc: OnnxDocument, params: { graphId: number; nodeId: number; action?: string }): Promise<{ done: boolean; message: string }> {
    const pass = params.action ? getPass(params.action) : undefined;
    if (!pass) return { done: false, message: `unknown action '${params.action ?? ''}'` };
    if (!doc.model) return { done: false, message: 'nothing to edit' };
    const args = await this.askArgs(pass, doc.model, this.fromContext(pass, doc.model, { graphId: params.graphId, nodeId: params.nodeId }));
    if (!args) return { done: false, message: 'cancelled' };
    const r = await this.apply(doc, pass.id, args, this.labelFor(pass, args));
    return { done: r.applied, message: r.message };
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
  }
}

const CANCELLED = Symbol('cancelled');

/** Above this many nodes the check after each edit is skipped: two sessions would take minutes. */
const CHECK_MAX_NODES = 50_000;

function tensorItems(model: Model): (vscode.QuickPickItem & { name: string })[] {
  const items: (vscode.QuickPickItem & { name: string })[] = [];
  const seen = new Set<string>();
  const add = (g: Graph, name: string, description: string) => {
    if (!name || seen.has(name)) return;
    seen.add(name);
    items.push({ label: inert(name), description: inert(description), name, ...(g === model.graph ? {} : { detail: inert(g.path) }) });
  };
  for (const g of model.allGraphs()) {
    for (const i of g.inputs) if (!i.value.initializer) add(g, i.value.name, 'graph input');
    for (const n of g.nodes) for (const o of n.outputs) if (o) add(g, o.name, `output of ${n.label} (${n.opType})`);
  }
  return items;
}

/** A starting value for an input box: the current name when renaming. */
function suggestion(pass: Pass, spec: PassArgSpec, sofar: Record<string, unknown>): string | undefined {
  if (spec.name === 'name' && pass.id === 'rename-node' && typeof sofar.node === 'string' && !sofar.node.includes('#')) return sofar.node;
  if (spec.name === 'name' && pass.id === 'rename-tensor' && typeof sofar.tensor === 'string') return sofar.tensor;
  return undefined;
}

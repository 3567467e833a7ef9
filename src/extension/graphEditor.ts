/**
 * The custom editor for *.onnx: parses in the extension host (so it works over Remote-SSH/WSL/Codespaces) and
 * sends the webview a view model without weights. Every message from the webview is validated first.
 */
import * as vscode from 'vscode';
import { OnnxDocument } from './document';
import { buildWebviewHtml, webviewOptions } from './html';
import { buildGraphView, buildModelView } from './viewModel';
import { findNode, nodeDetails } from './details';
import { parseWebviewMessage, type HostMessage, type Request, type WebviewMessage } from '../protocol/messages';
import { Disposable } from './dispose';
import { weightDetails } from './weights';
import type { DiagnosticsService } from './diagnostics';

export const VIEW_TYPE = 'onnxLens.graph';

export class GraphEditorProvider implements vscode.CustomEditorProvider<OnnxDocument> {
  private readonly _onDidChangeCustomDocument = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<OnnxDocument>>();
  readonly onDidChangeCustomDocument = this._onDidChangeCustomDocument.event;
  private readonly editors = new Set<GraphEditor>();
  private active: GraphEditor | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
    readonly diagnostics: DiagnosticsService,
  ) {
    diagnostics.onDidUpdate((doc) => {
      for (const e of this.editorsFor(doc.uri)) e.post({ type: 'diagnostics', items: diagnostics.forView(doc) });
    });
  }

  /** Open documents (one per file, shared by its editors). */
  readonly documents = new Set<OnnxDocument>();
  private readonly _onDidOpenDocument = new vscode.EventEmitter<OnnxDocument>();
  readonly onDidOpenDocument = this._onDidOpenDocument.event;
  private readonly _onDidSelect = new vscode.EventEmitter<{ editor: GraphEditor; graphId: number; nodeId: number | null }>();
  /** A node was selected in a graph view. */
  readonly onDidSelect = this._onDidSelect.event;

  static register(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, diagnostics: DiagnosticsService): GraphEditorProvider {
    const provider = new GraphEditorProvider(context, log, diagnostics);
    context.subscriptions.push(
      vscode.window.registerCustomEditorProvider(VIEW_TYPE, provider, {
        webviewOptions: { retainContextWhenHidden: true },
        supportsMultipleEditorsPerDocument: true,
      }),
    );
    return provider;
  }

  /** The editor the user looked at last (commands act on it). */
  get activeEditor(): GraphEditor | undefined {
    return this.active;
  }

  editorsFor(uri: vscode.Uri): GraphEditor[] {
    return [...this.editors].filter((e) => e.document.uri.toString() === uri.toString());
  }

  async openCustomDocument(uri: vscode.Uri, openContext: vscode.CustomDocumentOpenContext): Promise<OnnxDocument> {
    const t0 = Date.now();
    const doc = await OnnxDocument.open(uri, openContext.backupId);
    doc.onDidEdit((e) => this._onDidChangeCustomDocument.fire(e));
    this.log.info(`opened ${uri.toString()} in ${Date.now() - t0} ms${doc.error ? `: ${doc.error}` : ''}`);
    this.documents.add(doc);
    doc.onDidChangeContent(() => this.diagnostics.update(doc));
    doc.onDidDispose(() => this.documents.delete(doc));
    if (uri.scheme === 'file') this.watch(doc);
    this._onDidOpenDocument.fire(doc);
    return doc;
  }

  /**
   * A change made on disk by someone else: a clean document reloads; a dirty one asks, and keeps the edits
   * unless told otherwise (saving later asks again before overwriting).
   */
  private watch(doc: OnnxDocument): void {
    const dir = vscode.Uri.joinPath(doc.uri, '..');
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(dir, doc.uri.path.split('/').pop()!));
    let asking = false;
    const onChange = async () => {
      if (doc.isSaving || asking || !(await doc.changedOnDisk())) return;
      this.log.info(`${doc.uri.toString()} changed on disk (${doc.describeState()})`);
      if (!doc.isDirty) {
        this.log.info(`${doc.uri.toString()} changed on disk and has no unsaved edits: reloaded`);
        await doc.revert();
        return;
      }
      asking = true;
      try {
        const choice = await vscode.window.showWarningMessage(
          `ONNX Lens: ${doc.fileName} was changed on disk, and you have unsaved edits.`,
          'Keep My Edits',
          'Reload from Disk',
        );
        if (choice === 'Reload from Disk') {
          // Through the workbench, so that it also forgets the edits (dirty state, undo stack).
          const editor = this.editorsFor(doc.uri)[0];
          if (editor) {
            editor.panel.reveal(undefined, false);
            await vscode.commands.executeCommand('workbench.action.files.revert');
          } else await doc.revert();
        }
        else this.log.info(`${doc.uri.toString()} changed on disk; unsaved edits kept (saving will ask before overwriting)`);
      } finally {
        asking = false;
      }
    };
    watcher.onDidChange(() => void onChange());
    watcher.onDidCreate(() => void onChange());
    doc.onDidDispose(() => watcher.dispose());
  }

  async resolveCustomEditor(document: OnnxDocument, panel: vscode.WebviewPanel): Promise<void> {
    const editor = new GraphEditor(document, panel, this.context.extensionUri, this.log, () => this.diagnostics.forView(document));
    this.editors.add(editor);
    this.active = editor;
    // Findings are computed after the first paint, so they never delay opening.
    const first = editor.onDidPaint(() => {
      first.dispose();
      if (!this.diagnostics.has(document)) this.diagnostics.update(document);
    });
    editor.onDidSelect((e) => this._onDidSelect.fire({ editor, ...e }));
    panel.onDidChangeViewState(() => {
      if (panel.active) this.active = editor;
    });
    panel.onDidDispose(() => {
      this.editors.delete(editor);
      if (this.active === editor) this.active = undefined;
      editor.dispose();
    });
  }

  saveCustomDocument(document: OnnxDocument, cancellation: vscode.CancellationToken): Thenable<void> {
    return document.save(cancellation);
  }
  saveCustomDocumentAs(document: OnnxDocument, destination: vscode.Uri, cancellation: vscode.CancellationToken): Thenable<void> {
    return document.saveAs(destination, cancellation);
  }
  revertCustomDocument(document: OnnxDocument, cancellation: vscode.CancellationToken): Thenable<void> {
    return document.revert(cancellation);
  }
  backupCustomDocument(document: OnnxDocument, context: vscode.CustomDocumentBackupContext, cancellation: vscode.CancellationToken): Thenable<vscode.CustomDocumentBackup> {
    return document.backup(context.destination, cancellation);
  }
}

/** One webview showing one document. */
export class GraphEditor extends Disposable {
  private ready = false;
  private currentGraphId: number | undefined;
  /** Last timing the webview reported (for the open benchmark and tests). */
  lastPaint: { graphId: number; nodeCount: number; layoutMs: number; totalMs: number } | undefined;
  private readonly _onDidPaint = this.register(new vscode.EventEmitter<NonNullable<GraphEditor['lastPaint']>>());
  readonly onDidPaint = this._onDidPaint.event;
  private readonly _onDidSelect = this.register(new vscode.EventEmitter<{ graphId: number; nodeId: number | null }>());
  readonly onDidSelect = this._onDidSelect.event;

  constructor(
    readonly document: OnnxDocument,
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly currentDiagnostics: () => import('../protocol/messages').NodeDiagnostic[],
  ) {
    super();
    const webview = panel.webview;
    webview.options = webviewOptions(extensionUri, vscode.Uri.joinPath);
    webview.html = buildWebviewHtml(webview, extensionUri, vscode.Uri.joinPath, document.fileName);
    this.register(webview.onDidReceiveMessage((raw) => this.onMessage(raw)));
    this.register(
      document.onDidChangeContent(() => {
        if (this.ready) this.postInit(this.currentGraphId);
      }),
    );
  }

  post(message: HostMessage): void {
    if (!this.ready) return;
    void this.panel.webview.postMessage(message);
  }

  private postInit(graphId?: number): void {
    const model = this.document.model;
    if (!model) {
      void this.panel.webview.postMessage({ type: 'error', message: this.document.error ?? 'could not open the model' });
      return;
    }
    const graph = (graphId !== undefined && this.document.graphById(graphId)) || model.graph;
    this.currentGraphId = graph.id;
    const message: HostMessage = { type: 'init', model: buildModelView(model, this.document.fileName), graph: buildGraphView(graph, this.document.inference) };
    void this.panel.webview.postMessage(message);
    void this.panel.webview.postMessage({ type: 'diagnostics', items: this.currentDiagnostics() } satisfies HostMessage);
  }

  reveal(graphId: number, nodeId: number): void {
    this.panel.reveal(undefined, false);
    this.post({ type: 'reveal', graphId, nodeId });
  }

  private onMessage(raw: unknown): void {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.log.warn(`ignored a message from the webview: ${parsed.reason}`);
      return;
    }
    const m: WebviewMessage = parsed.message;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.postInit();
        return;
      case 'request':
        void this.answer(m.id, m);
        return;
      case 'selected':
        this._onDidSelect.fire({ graphId: m.graphId, nodeId: m.nodeId });
        return;
      case 'painted':
        this.lastPaint = { graphId: m.graphId, nodeCount: m.nodeCount, layoutMs: m.layoutMs, totalMs: m.totalMs };
        this.log.info(`painted graph ${m.graphId}: ${m.nodeCount} nodes, layout ${m.layoutMs.toFixed(0)} ms, total ${m.totalMs.toFixed(0)} ms`);
        this._onDidPaint.fire(this.lastPaint);
        return;
      case 'exported':
        void this.saveExport(m.format, m.data);
        return;
      case 'log':
        this.log[m.level](`webview: ${m.message}`);
        return;
    }
  }

  private async answer(id: number, req: Request): Promise<void> {
    try {
      const result = await this.handle(req);
      this.post({ type: 'reply', id, result });
    } catch (e) {
      this.post({ type: 'reply', id, error: e instanceof Error ? e.message : String(e) });
    }
  }

  private async handle(req: Request): Promise<unknown> {
    const graphOf = (id: number) => {
      const g = this.document.graphById(id);
      if (!g) throw new Error(`graph ${id} is no longer in the model (it was edited): reopen the view`);
      return g;
    };
    switch (req.method) {
      case 'openGraph': {
        const g = graphOf(req.params.graphId);
        this.currentGraphId = g.id;
        return buildGraphView(g, this.document.inference);
      }
      case 'nodeDetails': {
        const g = graphOf(req.params.graphId);
        const n = findNode(g, req.params.nodeId);
        if (!n) throw new Error(`node ${req.params.nodeId} is not in ${g.path}`);
        return nodeDetails(g, n);
      }
      case 'weight':
        return weightDetails(graphOf(req.params.graphId), req.params.name);
      case 'applyFix':
      case 'nodeAction':
        return vscode.commands.executeCommand('onnxLens.internal.nodeAction', this, req.method, req.params);
    }
  }

  async saveExport(format: 'svg' | 'png', data: string): Promise<void> {
    const base = this.document.uri.path.replace(/\.onnx$/i, '');
    const target = await vscode.window.showSaveDialog({
      defaultUri: this.document.uri.with({ path: `${base}.${format}` }),
      filters: format === 'svg' ? { 'SVG image': ['svg'] } : { 'PNG image': ['png'] },
    });
    if (!target) return;
    const bytes =
      format === 'svg' ? new TextEncoder().encode(data) : Buffer.from(data.replace(/^data:image\/png;base64,/, ''), 'base64');
    await vscode.workspace.fs.writeFile(target, bytes);
    void vscode.window.showInformationMessage(`Exported the view to ${target.fsPath || target.toString()}`);
  }
}

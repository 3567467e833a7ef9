/**
 * Runs the diagnostics for every open model and shows them where the user works: badges and hover cards in
 * the graph view, the Problems panel (on the model's text view, whose lines are the nodes, so a click lands on
 * the node and the graph view follows), and a status-bar summary.
 */
import * as vscode from 'vscode';
import { runDiagnostics, type Diagnostic } from '../core/diagnostics';
import type { OnnxDocument } from './document';
import type { NodeDiagnostic } from '../protocol/messages';

export interface Located {
  uri: vscode.Uri;
  range: vscode.Range;
}

const SEVERITY: Record<Diagnostic['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

export class DiagnosticsService implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('onnx-lens');
  private readonly status = vscode.window.createStatusBarItem('onnxLens.diagnostics', vscode.StatusBarAlignment.Left, 50);
  private readonly results = new Map<string, Diagnostic[]>();
  private readonly _onDidUpdate = new vscode.EventEmitter<OnnxDocument>();
  readonly onDidUpdate = this._onDidUpdate.event;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    /** Where a finding is shown in the Problems panel (the text view line of its node). */
    private readonly locate: (doc: OnnxDocument, d: Diagnostic) => Located,
  ) {
    this.status.name = 'ONNX Lens diagnostics';
    this.status.command = 'workbench.actions.view.problems';
  }

  profile(): 'default' | 'tensorrt' {
    return vscode.workspace.getConfiguration('onnxLens.diagnostics').get<'default' | 'tensorrt'>('profile', 'default');
  }

  /** Recomputes the findings for a document (after open, edit, undo, or a settings change). */
  /** The URIs each document (by its URI) last published entries for. */
  private readonly published = new Map<string, vscode.Uri[]>();

  update(doc: OnnxDocument): Diagnostic[] {
    const model = doc.model;
    let found: Diagnostic[] = [];
    if (model) {
      const t0 = Date.now();
      try {
        const shapes = doc.inference;
        // Without the document's inference (skipped on huge models) the rules use declared types only.
        found = runDiagnostics(model, { profile: this.profile(), ...(shapes ? { shapes } : { inference: false }) });
      } catch (e) {
        this.log.error(`diagnostics failed for ${doc.uri.toString()}: ${(e as Error).message}`);
      }
      this.log.info(`diagnostics for ${doc.fileName}: ${found.length} in ${Date.now() - t0} ms`);
    }
    this.results.set(doc.uri.toString(), found);
    this.publish(doc, found);
    this._onDidUpdate.fire(doc);
    return found;
  }

  has(doc: OnnxDocument): boolean {
    return this.results.has(doc.uri.toString());
  }

  get(doc: OnnxDocument): Diagnostic[] {
    return this.results.get(doc.uri.toString()) ?? [];
  }

  /** The findings as the webview wants them (by graph and node id). */
  forView(doc: OnnxDocument): NodeDiagnostic[] {
    const out: NodeDiagnostic[] = [];
    for (const d of this.get(doc)) {
      const nodes = d.node ? [d.node] : [];
      for (const n of nodes) {
        out.push({
          graphId: n.graph.id,
          nodeId: n.id,
          severity: d.severity,
          code: d.code,
          message: d.message,
          ...(d.fixes?.length ? { fixes: d.fixes.map((f, i) => ({ id: `${d.code}#${i}`, label: f.label })) } : {}),
        });
      }
    }
    return out;
  }

  private publish(doc: OnnxDocument, found: Diagnostic[]): void {
    const byUri = new Map<string, { uri: vscode.Uri; items: vscode.Diagnostic[] }>();
    for (const d of found) {
      const where = this.locate(doc, d);
      const item = new vscode.Diagnostic(where.range, d.message, SEVERITY[d.severity]);
      item.code = d.code;
      item.source = 'ONNX Lens';
      const key = where.uri.toString();
      const entry = byUri.get(key) ?? { uri: where.uri, items: [] };
      entry.items.push(item);
      byUri.set(key, entry);
    }
    // Entries this document published before and has no more (a fix removed them) are cleared too.
    const key = doc.uri.toString();
    for (const old of this.published.get(key) ?? []) if (!byUri.has(old.toString())) this.collection.delete(old);
    for (const [, e] of byUri) this.collection.set(e.uri, e.items);
    this.published.set(key, [...byUri.values()].map((e) => e.uri));
    this.refreshStatus(found);
  }

  clear(doc: OnnxDocument, uris: vscode.Uri[]): void {
    this.results.delete(doc.uri.toString());
    this.published.delete(doc.uri.toString());
    for (const u of uris) this.collection.delete(u);
    this.status.hide();
  }

  refreshStatus(found: Diagnostic[]): void {
    const n = (s: Diagnostic['severity']) => found.filter((d) => d.severity === s).length;
    const errors = n('error');
    const warnings = n('warning');
    const infos = n('info') + n('hint');
    this.status.text = `$(graph) ONNX: ${errors ? `$(error) ${errors} ` : ''}${warnings ? `$(warning) ${warnings} ` : ''}${infos ? `$(info) ${infos}` : ''}`.trim();
    if (!errors && !warnings && !infos) this.status.text = '$(graph) ONNX: $(check) no problems';
    this.status.tooltip = `ONNX Lens (${this.profile()} profile): ${errors} errors, ${warnings} warnings, ${infos} notes. Click for the Problems panel.`;
    this.status.show();
  }

  dispose(): void {
    this.collection.dispose();
    this.status.dispose();
    this._onDidUpdate.dispose();
  }
}

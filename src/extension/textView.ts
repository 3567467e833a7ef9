/**
 * "ONNX Lens: Open as Text": the model in ONNX's textual syntax as a read-only virtual document
 * (`onnx-lens:/…/model.onnx.txt`), with the diagnostics on its lines, hovers, an outline, go to definition from
 * a tensor to its producer, quick fixes, and selection kept in step with the graph view.
 */
import * as vscode from 'vscode';
import { passCallForFix } from '../core/passes/fixes';
import { printModel, type Range as TextRange, type TextMap } from '../core/text';
import type { Diagnostic } from '../core/diagnostics';
import type { Node } from '../core/ir/model';
import { describeType } from '../core/ir/types';
import type { OnnxDocument } from './document';
import { VIEW_TYPE, type GraphEditorProvider } from './graphEditor';
import type { DiagnosticsService } from './diagnostics';

export const TEXT_SCHEME = 'onnx-lens';

/** The text view's URI for a model: same path plus `.txt`, the model's URI in the query. */
export function textUriFor(modelUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.from({ scheme: TEXT_SCHEME, path: `${modelUri.path}.txt`, query: modelUri.toString() });
}

export function modelUriOf(textUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.parse(textUri.query);
}

const toRange = (r: TextRange) => new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);

interface Printed {
  version: Uint8Array;
  text: string;
  map: TextMap;
}

export class TextViewService implements vscode.TextDocumentContentProvider, vscode.HoverProvider, vscode.DocumentSymbolProvider, vscode.DefinitionProvider, vscode.CodeActionProvider, vscode.Disposable {
  private readonly printed = new Map<string, Printed>();
  private readonly _onDidChange = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this._onDidChange.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private syncing = false;

  constructor(
    private readonly provider: GraphEditorProvider,
    private readonly diagnostics: () => DiagnosticsService,
  ) {
    const selector: vscode.DocumentSelector = { scheme: TEXT_SCHEME };
    this.subscriptions.push(
      vscode.workspace.registerTextDocumentContentProvider(TEXT_SCHEME, this),
      vscode.languages.registerHoverProvider(selector, this),
      vscode.languages.registerDocumentSymbolProvider(selector, this),
      vscode.languages.registerDefinitionProvider(selector, this),
      vscode.languages.registerCodeActionsProvider(selector, this, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
      vscode.window.onDidChangeTextEditorSelection((e) => this.followText(e.textEditor, e.selections[0]?.active)),
      // A click in the Problems panel may open the text editor with its selection already set: no selection event then.
      vscode.window.onDidChangeActiveTextEditor((e) => e && this.followText(e, e.selection.active)),
    );
  }

  private docFor(textUri: vscode.Uri): OnnxDocument | undefined {
    const model = modelUriOf(textUri).toString();
    return [...this.provider.documents].find((d) => d.uri.toString() === model);
  }

  /** The printed text and its map for a document, reprinted when the model's bytes change. */
  print(doc: OnnxDocument): Printed | undefined {
    const key = doc.uri.toString();
    const cached = this.printed.get(key);
    if (cached && cached.version === doc.bytes) return cached;
    const model = doc.model;
    if (!model) return undefined;
    const { text, map } = printModel(model, { wrapInitializers: true });
    const p = { version: doc.bytes, text, map };
    this.printed.set(key, p);
    return p;
  }

  /** Called when a document changes: the text view (if open) refreshes. */
  refresh(doc: OnnxDocument): void {
    this.printed.delete(doc.uri.toString());
    this._onDidChange.fire(textUriFor(doc.uri));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const doc = this.docFor(uri);
    if (!doc) return `# ${modelUriOf(uri).toString()} is not open in ONNX Lens: open it in the graph view first.\n`;
    return this.print(doc)?.text ?? `# could not open the model: ${doc.error ?? 'unknown error'}\n`;
  }

  /** Where a finding goes in the Problems panel: its node's line in the text view. */
  locate(doc: OnnxDocument, d: Diagnostic): { uri: vscode.Uri; range: vscode.Range } {
    const p = this.print(doc);
    const r = p?.map.rangeOf({ ...(d.node ? { node: d.node } : {}), ...(d.tensor ? { tensor: d.tensor } : {}), graph: d.graph });
    return { uri: textUriFor(doc.uri), range: r ? toRange(r) : new vscode.Range(0, 0, 0, 0) };
  }

  async open(doc: OnnxDocument, node?: Node): Promise<vscode.TextEditor> {
    const td = await vscode.workspace.openTextDocument(textUriFor(doc.uri));
    const editor = await vscode.window.showTextDocument(td, { viewColumn: vscode.ViewColumn.Beside, preview: false });
    if (node) this.revealInText(doc, node);
    return editor;
  }

  /** Graph view selection -> text view (when it is visible). */
  revealInText(doc: OnnxDocument, node: Node): void {
    const uri = textUriFor(doc.uri).toString();
    const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri);
    const r = this.print(doc)?.map.nodeHeadRange(node);
    if (!editor || !r) return;
    this.syncing = true;
    const range = toRange(r);
    editor.selection = new vscode.Selection(range.start, range.start);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    setTimeout(() => (this.syncing = false), 50);
  }

  /** Text view selection (or a click in the Problems panel) -> the node in the graph view. */
  private followText(editor: vscode.TextEditor, pos: vscode.Position | undefined): void {
    if (this.syncing || editor.document.uri.scheme !== TEXT_SCHEME) return;
    const doc = this.docFor(editor.document.uri);
    const p = doc && this.print(doc);
    if (!doc || !p || !pos) return;
    const node = p.map.nodeAt(pos.line, pos.character);
    if (!node) return;
    const graphEditors = this.provider.editorsFor(doc.uri);
    const reveal = { type: 'reveal', graphId: node.graph.id, nodeId: node.id } as const;
    for (const ed of graphEditors) ed.post(reveal);
    const g = graphEditors[0];
    if (!g) return;
    // The text took the graph's place (a click in the Problems panel): show the graph beside it. The graph's
    // visibility reaches the extension host a moment after the text editor does, so look again shortly after.
    let shown = false;
    const showIfHidden = () => {
      if (shown || g.panel.visible || !vscode.window.visibleTextEditors.includes(editor)) return;
      shown = true;
      const from = g.panel.viewColumn;
      g.panel.reveal(vscode.ViewColumn.Beside, true);
      setTimeout(() => {
        g.post(reveal);
        this.closeLeftBehind(doc.uri, from);
      }, 300);
    };
    showIfHidden();
    setTimeout(showIfHidden, 300);
  }

  /**
   * `reveal(Beside)` on a custom editor's panel opens the editor in the other group and moves the webview there,
   * but leaves the old group a tab for it: clicking that tab takes the webview back and blanks the new one. Close
   * that tab, when the group holds exactly one tab of the model's graph and none of its graph editors.
   */
  private closeLeftBehind(uri: vscode.Uri, column: vscode.ViewColumn | undefined): void {
    if (column === undefined || this.provider.editorsFor(uri).some((e) => e.panel.viewColumn === column)) return;
    const group = vscode.window.tabGroups.all.find((gr) => gr.viewColumn === column);
    const left = (group?.tabs ?? []).filter(
      (t) => t.input instanceof vscode.TabInputCustom && t.input.viewType === VIEW_TYPE && t.input.uri.toString() === uri.toString(),
    );
    if (left.length === 1) void vscode.window.tabGroups.close(left[0], true);
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const doc = this.docFor(document.uri);
    const p = doc && this.print(doc);
    const hit = p?.map.at(position.line, position.character);
    if (!doc || !p || !hit) return undefined;
    const md = new vscode.MarkdownString();
    md.supportHtml = false;
    md.isTrusted = false;
    // A name with a backtick could close the code fence and turn the rest into markdown: show it as text then.
    const code = (s: string) => (s.includes('`') ? md.appendText(`${s}\n`) : md.appendCodeblock(s, 'text'));
    if (hit.kind === 'value') {
      const v = hit.value;
      code(`${v.name}: ${v.initializer ? `${v.initializer.describe()} (initializer)` : v.type ? describeType(v.type) : (doc.inference?.typeOf(v) ? 'inferred' : 'type unknown')}`);
      md.appendText(`produced by ${v.producer ? v.producer.label : v.initializer ? 'an initializer' : v.isGraphInput ? 'a graph input' : 'nothing in this graph'}; read by ${v.uses.length} node(s)`);
      return new vscode.Hover(md, toRange(hit.range));
    }
    const node = hit.kind === 'op' || hit.kind === 'nodeName' || hit.kind === 'attribute' ? hit.node : undefined;
    if (!node) return undefined;
    code(`${node.domain ? `${node.domain}::` : ''}${node.opType}${node.name ? `  [${node.name}]` : ''}`);
    for (const d of this.diagnostics().get(doc).filter((x) => x.node === node)) {
      md.appendText(`\n${d.severity} ${d.code}: ${d.message}\n`);
    }
    node.inputs.forEach((v, i) => v && md.appendText(`\nin ${i}: ${v.name}: ${v.initializer ? v.initializer.describe() : v.type ? describeType(v.type) : '?'}`));
    node.outputs.forEach((v, i) => v && md.appendText(`\nout ${i}: ${v.name}: ${v.type ? describeType(v.type) : '?'}`));
    return new vscode.Hover(md, toRange(hit.range));
  }

  provideDocumentSymbols(document: vscode.TextDocument): vscode.DocumentSymbol[] {
    const doc = this.docFor(document.uri);
    const p = doc && this.print(doc);
    if (!p) return [];
    const conv = (items: ReturnType<TextMap['outline']>): vscode.DocumentSymbol[] =>
      items.map((i) => {
        const s = new vscode.DocumentSymbol(
          i.name,
          i.detail,
          i.kind === 'node' ? vscode.SymbolKind.Function : i.kind === 'function' ? vscode.SymbolKind.Module : vscode.SymbolKind.Namespace,
          toRange(i.range),
          toRange(i.selectionRange),
        );
        s.children = conv(i.children);
        return s;
      });
    return conv(p.map.outline());
  }

  provideDefinition(document: vscode.TextDocument, position: vscode.Position): vscode.Location | undefined {
    const doc = this.docFor(document.uri);
    const r = doc && this.print(doc)?.map.definitionAt(position.line, position.character);
    return r ? new vscode.Location(document.uri, toRange(r)) : undefined;
  }

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection): vscode.CodeAction[] {
    const doc = this.docFor(document.uri);
    const p = doc && this.print(doc);
    if (!doc || !p) return [];
    const out: vscode.CodeAction[] = [];
    for (const d of this.diagnostics().get(doc)) {
      if (!d.fixes?.length) continue;
      const where = p.map.rangeOf({ ...(d.node ? { node: d.node } : {}), ...(d.tensor ? { tensor: d.tensor } : {}), graph: d.graph });
      if (!where || !toRange(where).intersection(range)) continue;
      d.fixes.forEach((f) => {
        const a = new vscode.CodeAction(f.label, vscode.CodeActionKind.QuickFix);
        try {
          a.command = { command: 'onnxLens.applyFix', title: f.label, arguments: [doc.uri.toString(), passCallForFix(d, f)] };
        } catch (e) {
          a.disabled = { reason: (e as Error).message };
        }
        out.push(a);
      });
    }
    return out;
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this._onDidChange.dispose();
  }
}

/** Activation: registers the custom editor and the commands. Thin glue; the work is in src/core. */
import * as vscode from 'vscode';
import { inert } from './inert';
import { GraphEditorProvider } from './graphEditor';
import { DiagnosticsService } from './diagnostics';
import { RuntimeService } from './runtime';
import { compareCommand } from './compare';
import { benchCommand } from './bench';
import { TextViewService } from './textView';
import { SurgeryService } from './surgery';

export interface OnnxLensApi {
  provider: GraphEditorProvider;
  diagnostics: DiagnosticsService;
  runtime: RuntimeService;
  surgery: SurgeryService;
}

export function activate(context: vscode.ExtensionContext): OnnxLensApi {
  const log = vscode.window.createOutputChannel('ONNX Lens', { log: true });
  context.subscriptions.push(log);
  // The Problems panel points at the node's line in the text view (created just below).
  let textView: TextViewService | undefined;
  const diagnostics = new DiagnosticsService(log, (doc, d) => textView!.locate(doc, d));
  const runtime = new RuntimeService(context.extensionUri, log);
  context.subscriptions.push(diagnostics, runtime);
  const provider = GraphEditorProvider.register(context, log, diagnostics);
  textView = new TextViewService(provider, () => diagnostics);
  const text = textView;
  context.subscriptions.push(
    text,
    provider.onDidOpenDocument((doc) => doc.onDidChangeContent(() => text.refresh(doc))),
    provider.onDidSelect(({ editor, graphId, nodeId }) => {
      const node = nodeId === null ? undefined : editor.document.graphById(graphId)?.nodes.find((n) => n.id === nodeId);
      if (node) text.revealInText(editor.document, node);
    }),
    vscode.commands.registerCommand('onnxLens.openAsText', async () => {
      const e = provider.activeEditor;
      if (!e) return void vscode.window.showWarningMessage('ONNX Lens: open an .onnx file in the graph view first.');
      await text.open(e.document);
    }),
  );
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('onnxLens.diagnostics')) for (const d of provider.documents) diagnostics.update(d);
    }),
  );

  const active = () => {
    const e = provider.activeEditor;
    if (!e) void vscode.window.showWarningMessage('ONNX Lens: open an .onnx file in the graph view first.');
    return e;
  };
  context.subscriptions.push(
    vscode.commands.registerCommand('onnxLens.exportSvg', () => active()?.post({ type: 'exportView', format: 'svg' })),
    vscode.commands.registerCommand('onnxLens.exportPng', () => active()?.post({ type: 'exportView', format: 'png' })),
    vscode.commands.registerCommand('onnxLens.search', (query?: string) => active()?.post({ type: 'search', query })),
    vscode.commands.registerCommand('onnxLens.revealNode', async (name?: string) => {
      const e = active();
      const model = e?.document.model;
      if (!e || !model) return;
      const wanted =
        typeof name === 'string'
          ? name
          : await vscode.window.showInputBox({ prompt: 'Reveal the node with this name (or the producer of this tensor)' });
      if (!wanted) return;
      for (const g of model.allGraphs()) {
        const n = g.nodes.find((x) => x.name === wanted) ?? g.values.get(wanted)?.producer;
        if (n) {
          e.reveal(g.id, n.id);
          return;
        }
      }
      void vscode.window.showWarningMessage(inert(`ONNX Lens: no node or tensor named '${wanted}' in ${e.document.fileName}.`));
    }),
    vscode.commands.registerCommand('onnxLens.openWithGraph', (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (target) void vscode.commands.executeCommand('vscode.openWith', target, 'onnxLens.graph');
    }),
    vscode.commands.registerCommand('onnxLens.compare', () => compareCommand(provider, runtime, log, context.extensionUri)),
    vscode.commands.registerCommand('onnxLens.bench', () => benchCommand(provider, runtime, context.extensionUri)),
    vscode.commands.registerCommand('onnxLens.cancelRun', () => runtime.cancel()),
  );
  const surgery = new SurgeryService(provider, runtime, diagnostics, log);
  context.subscriptions.push(surgery, ...surgery.register());
  return { provider, diagnostics, runtime, surgery };
}

export function deactivate(): void {
  /* disposables go with context.subscriptions */
}

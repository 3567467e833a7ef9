/**
 * "ONNX Lens: Compare with Reference Outputs…": runs the open model (its current, possibly unsaved, bytes) in
 * the onnxruntime child and compares with reference outputs, or layer by layer with reference intermediates.
 * The result opens in a panel (table, per-output error histogram, JSON/Markdown export); layer by layer also
 * colours the graph view's nodes by error and reveals the first diverging node.
 */
import * as vscode from 'vscode';
import { inert } from './inert';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { compareLayerwise, compareModel, toJson, toMarkdown, type CompareReport, type ModelSide } from '../core/compare';
import { generateModelInputs, inputsIfComplete, modelInputs, modelOutputs, readTensorSet, selectInputs, selectOutputs, type ModelIo } from '../core/inputs';
import type { Model } from '../core/ir/model';

const modelIo = (model: Model): ModelIo => ({ inputs: modelInputs(model), outputs: modelOutputs(model) });
import type { HostTensor } from '../core/ir/hosttensor';
import type { GraphEditorProvider } from './graphEditor';
import type { RuntimeService } from './runtime';
import type { OnnxDocument } from './document';
import type { NodeMetric } from '../protocol/messages';

const TENSOR_FILTERS = { 'Tensor files': ['npz', 'npy', 'pb', 'json'] };

export async function compareCommand(provider: GraphEditorProvider, runtime: RuntimeService, log: vscode.LogOutputChannel, extensionUri: vscode.Uri): Promise<CompareReport | undefined> {
  const editor = provider.activeEditor;
  const doc = editor?.document;
  const model = doc?.model;
  if (!editor || !doc || !model) {
    void vscode.window.showWarningMessage('ONNX Lens: open an .onnx file in the graph view first.');
    return undefined;
  }
  let client;
  try {
    client = runtime.get();
  } catch (e) {
    void vscode.window.showErrorMessage(inert(`ONNX Lens: ${(e as Error).message}`));
    return undefined;
  }
  const folder = doc.uri.scheme === 'file' ? dirname(doc.uri.fsPath) : undefined;
  const beside = folder && existsSync(join(folder, 'refs.npz')) ? vscode.Uri.file(join(folder, 'refs.npz')) : undefined;
  const refPick = await vscode.window.showQuickPick(
    [
      ...(beside ? [{ label: 'refs.npz', description: 'beside the model', uri: beside }] : []),
      { label: 'Choose a file…', description: '.npz keyed by tensor name, .npy, .pb, Polygraphy JSON', uri: undefined as vscode.Uri | undefined },
      { label: 'Choose a test_data_set folder…', description: 'input_K.pb / output_K.pb', uri: undefined as vscode.Uri | undefined, folder: true },
    ],
    { title: 'Compare with reference outputs: which reference?', ignoreFocusOut: true },
  );
  if (!refPick) return undefined;
  let refUri = refPick.uri;
  if (!refUri) {
    const chosen = await vscode.window.showOpenDialog({
      canSelectFiles: !('folder' in refPick),
      canSelectFolders: 'folder' in refPick,
      defaultUri: folder ? vscode.Uri.file(folder) : undefined,
      filters: 'folder' in refPick ? undefined : TENSOR_FILTERS,
      title: 'Reference outputs',
    });
    if (!chosen?.length) return undefined;
    refUri = chosen[0];
  }
  const mode = await vscode.window.showQuickPick(
    [
      { label: 'Outputs', description: 'compare the model outputs', layerwise: false },
      { label: 'Layer by layer', description: 'every tensor the reference names; find the first diverging node', layerwise: true },
    ],
    { title: 'Compare what?', ignoreFocusOut: true },
  );
  if (!mode) return undefined;
  const mio = modelIo(model);
  let set;
  try {
    set = await readTensorSet([refUri.fsPath], mio);
  } catch (e) {
    void vscode.window.showErrorMessage(inert(`ONNX Lens: ${(e as Error).message}`));
    return undefined;
  }
  let inputs: HostTensor[] | undefined = inputsIfComplete(set, mio);
  let inputSource = `${refUri.fsPath} (inputs held by the reference)`;
  if (!inputs) {
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'Choose the inputs file…', description: 'the inputs the reference was computed from', random: false },
        { label: 'Random inputs (seed 0)', description: 'only meaningful against another model, not recorded outputs', random: true },
      ],
      { title: `The reference does not hold the inputs (${mio.inputs.map((i: { name: string }) => i.name).join(', ')})`, ignoreFocusOut: true },
    );
    if (!pick) return undefined;
    if (pick.random) {
      inputs = generateModelInputs(model, { seed: 0 });
      inputSource = 'random (seed 0)';
    } else {
      const chosen = await vscode.window.showOpenDialog({ canSelectFiles: true, filters: TENSOR_FILTERS, defaultUri: folder ? vscode.Uri.file(folder) : undefined, title: 'Inputs' });
      if (!chosen?.length) return undefined;
      try {
        inputs = selectInputs(await readTensorSet([chosen[0].fsPath], mio), mio);
        inputSource = chosen[0].fsPath;
      } catch (e) {
        void vscode.window.showErrorMessage(inert(`ONNX Lens: ${(e as Error).message}`));
        return undefined;
      }
    }
  }
  const subject: ModelSide = {
    model,
    // Unsaved edits are compared as they are: the bytes go to the runtime, not the file on disk.
    ...(doc.isDirty || doc.uri.scheme !== 'file' ? { modelBytes: doc.bytes } : { modelPath: doc.uri.fsPath }),
    loadOptions: runtime.loadOptions(),
    label: doc.fileName,
  };
  const run = async (progress: vscode.Progress<{ message?: string }>, token: vscode.CancellationToken): Promise<CompareReport> => {
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    if (mode.layerwise) {
      const tensors = new Map<string, HostTensor>(set.named);
      selectOutputs(set, mio).forEach((t, k) => {
        if (t && !tensors.has(mio.outputs[k].name)) tensors.set(mio.outputs[k].name, t);
      });
      return compareLayerwise({
        runner: client,
        subject,
        inputs: inputs!,
        reference: { kind: 'tensors', tensors, label: refUri!.fsPath },
        signal: abort.signal,
        onProgress: (p) => progress.report({ message: p.message }),
      });
    }
    return compareModel({
      runner: client,
      subject,
      inputs: inputs!,
      reference: { kind: 'tensors', outputs: selectOutputs(set, mio), label: refUri!.fsPath },
      signal: abort.signal,
      onProgress: (m) => progress.report({ message: m }),
    });
  };
  let report: CompareReport;
  try {
    report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `ONNX Lens: comparing ${doc.fileName}`, cancellable: true },
      run,
    );
  } catch (e) {
    // A crash or exhaustion in onnxruntime lands here; the document and its unsaved edits are untouched.
    const msg = (e as Error).message ?? String(e);
    log.error(`compare failed: ${msg}`);
    void vscode.window.showErrorMessage(inert(`ONNX Lens: the comparison failed: ${msg}`));
    return undefined;
  }
  report.notes.unshift(`inputs: ${inputSource}`);
  showNodeMetrics(provider, doc, report);
  showReportPanel(report, doc, extensionUri);
  void vscode.window.showInformationMessage(
    inert(
      report.pass
        ? `ONNX Lens: ${doc.fileName} matches the reference (rtol ${report.rtol}, atol ${report.atol}).`
        : `ONNX Lens: ${doc.fileName} differs from the reference${report.firstDivergence ? ` from node ${report.firstDivergence.nodeName}` : ''}.`,
    ),
  );
  return report;
}

/** Colours the graph view's nodes by their error and reveals the first diverging node. */
function showNodeMetrics(provider: GraphEditorProvider, doc: OnnxDocument, report: CompareReport): void {
  const model = doc.model;
  const lw = report.layerwise;
  if (!model || !lw) return;
  const byName = new Map(model.graph.nodes.map((n) => [n.name, n]));
  const items: NodeMetric[] = [];
  for (const n of lw.nodes ?? []) {
    const node = byName.get(n.nodeName);
    if (!node) continue;
    const rel = Number.isFinite(n.maxRel) ? n.maxRel : 1;
    items.push({
      graphId: model.graph.id,
      nodeId: node.id,
      score: n.pass ? 0 : Math.min(1, 0.3 + Math.log10(1 + rel) / 2),
      text: `max abs ${fmt(n.maxAbs)}, max rel ${fmt(n.maxRel)}, cosine ${fmt(n.cosine)} (${n.pass ? 'within tolerance' : 'out of tolerance'})`,
    });
  }
  for (const e of provider.editorsFor(doc.uri)) {
    e.post({ type: 'nodeMetrics', items, title: report.firstDivergence ? `First divergence: ${report.firstDivergence.nodeName}` : 'Every compared tensor is within tolerance' });
    const first = report.firstDivergence && byName.get(report.firstDivergence.nodeName);
    if (first) e.reveal(model.graph.id, first.id);
  }
}

function fmt(v: number | undefined): string {
  return v === undefined || v === null ? '-' : Number.isFinite(v) ? Number(v).toPrecision(3) : String(v);
}

let panel: vscode.WebviewPanel | undefined;

/** The result panel: a table per output with its error histogram; export to JSON and Markdown. */
function showReportPanel(report: CompareReport, doc: OnnxDocument, extensionUri: vscode.Uri): void {
  if (!panel) {
    panel = vscode.window.createWebviewPanel('onnxLens.compare', 'ONNX Lens: Comparison', vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')],
    });
    panel.onDidDispose(() => (panel = undefined));
  }
  const p = panel;
  p.title = `Comparison: ${doc.fileName}`;
  p.webview.html = reportHtml(report, p.webview, extensionUri);
  p.webview.onDidReceiveMessage(async (m: unknown) => {
    const format = (m as { export?: unknown })?.export;
    if (format !== 'json' && format !== 'md') return;
    const base = doc.uri.path.replace(/\.onnx$/i, '');
    const target = await vscode.window.showSaveDialog({ defaultUri: doc.uri.with({ path: `${base}.compare.${format}` }) });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(format === 'json' ? toJson(report) : toMarkdown(report)));
  });
}

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Report HTML: every value escaped (tensor names come from the model). */
export function reportHtml(report: CompareReport, webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = Math.random().toString(36).slice(2) + Date.now().toString(36);
  const css = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'webview.css'));
  const rows = report.outputs
    .map((o) => {
      const h = o.histogram;
      const max = h ? Math.max(1, ...h.counts) : 1;
      const bars = h
        ? `<svg class="hist" width="${h.counts.length * 9}" height="42" role="img" aria-label="|error| per power of ten from 1e${h.minExp}; ${h.exact} exact">${h.counts
            .map((c, i) => { const hh = Math.round((c / max) * 40); return `<rect x="${i * 9}" y="${42 - hh}" width="8" height="${hh}"><title>1e${h.minExp + i}: ${c}</title></rect>`; })
            .join('')}</svg>`
        : '';
      return `<tr class="${o.pass ? 'pass' : 'fail'}" data-output="${esc(o.name)}"><td>${esc(o.name)}</td><td>${o.pass ? 'pass' : 'FAIL'}</td><td>${esc(fmt(o.maxAbs))}</td><td>${esc(fmt(o.maxRel))}</td><td>${esc(fmt(o.meanAbs))}</td><td>${esc(fmt(o.cosine))}</td><td>${esc(o.reason ?? '')}${bars}</td></tr>`;
    })
    .join('');
  const fd = report.firstDivergence;
  return `<!DOCTYPE html><html><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<link rel="stylesheet" href="${css}" nonce="${nonce}">
<style nonce="${nonce}">body{padding:10px;overflow:auto} td,th{padding:3px 6px;border-bottom:1px solid var(--vscode-panel-border)} tr.fail td:nth-child(2){color:var(--vscode-errorForeground);font-weight:600} .hist{display:block;margin-top:4px;fill:var(--vscode-charts-blue)} button{margin-right:6px}</style>
</head><body>
<h2 data-testid="verdict">${report.pass ? 'Within tolerance' : 'Out of tolerance'}</h2>
<p>Against ${esc(report.reference ?? '')} at rtol ${report.rtol}, atol ${report.atol}.${fd ? ` First diverging node: <b>${esc(fd.nodeName)}</b>.` : ''}</p>
<table class="report"><thead><tr><th>output</th><th>verdict</th><th>max abs</th><th>max rel</th><th>mean abs</th><th>cosine</th><th>notes / |error| histogram</th></tr></thead><tbody>${rows}</tbody></table>
${report.layerwise ? `<p>Layer by layer: ${report.layerwise.tensors.length} tensors compared, ${report.layerwise.tensors.filter((t) => !t.pass).length} out of tolerance.</p>` : ''}
${report.notes.map((n) => `<p class="muted">${esc(n)}</p>`).join('')}
<p><button id="json">Export JSON</button><button id="md">Export Markdown</button></p>
<script nonce="${nonce}">const vscode=acquireVsCodeApi();document.getElementById('json').onclick=()=>vscode.postMessage({export:'json'});document.getElementById('md').onclick=()=>vscode.postMessage({export:'md'});</script>
</body></html>`;
}

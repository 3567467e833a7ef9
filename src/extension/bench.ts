/**
 * "ONNX Lens: Benchmark…": latency and throughput per batch size in onnxruntime (timed in the runtime child
 * around session.run), warm-up runs kept apart, shown as a chart and a table with CSV/JSON export.
 */
import * as vscode from 'vscode';
import { inert } from './inert';
import { benchModel, benchToCsv, type BenchReport } from '../core/compare';
import type { GraphEditorProvider } from './graphEditor';
import type { RuntimeService } from './runtime';

export async function benchCommand(provider: GraphEditorProvider, runtime: RuntimeService, extensionUri: vscode.Uri): Promise<BenchReport | undefined> {
  const doc = provider.activeEditor?.document;
  const model = doc?.model;
  if (!doc || !model) {
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
  const batches = await vscode.window.showInputBox({
    title: 'Benchmark: batch sizes (on the dynamic batch dim)',
    ignoreFocusOut: true, // the user may look at the graph's dims meanwhile; a webview taking focus must not cancel it
    value: '1, 2, 4, 8, 16',
    validateInput: (v) => (/^\s*\d+(\s*,\s*\d+)*\s*$/.test(v) ? undefined : 'whole numbers separated by commas'),
  });
  if (batches === undefined) return undefined;
  let report: BenchReport;
  try {
    report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `ONNX Lens: benchmarking ${doc.fileName}`, cancellable: true },
      (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return benchModel({
          runner: client,
          model,
          ...(doc.isDirty || doc.uri.scheme !== 'file' ? { modelBytes: doc.bytes } : { modelPath: doc.uri.fsPath }),
          label: doc.fileName,
          batches: batches.split(',').map((s) => Number(s.trim())),
          configs: (runtime.loadOptions().executionProviders ?? ['cpu']).map((p) => ({ label: p, loadOptions: { ...runtime.loadOptions(), executionProviders: [p] } })),
          signal: abort.signal,
          onProgress: (m: string) => progress.report({ message: m }),
        });
      },
    );
  } catch (e) {
    void vscode.window.showErrorMessage(inert(`ONNX Lens: the benchmark failed: ${(e as Error).message}`));
    return undefined;
  }
  const panel = vscode.window.createWebviewPanel('onnxLens.bench', `Benchmark: ${doc.fileName}`, vscode.ViewColumn.Beside, {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')],
  });
  panel.webview.html = benchHtml(report, panel.webview, extensionUri);
  panel.webview.onDidReceiveMessage(async (m: unknown) => {
    const format = (m as { export?: unknown })?.export;
    if (format !== 'csv' && format !== 'json') return;
    const target = await vscode.window.showSaveDialog({ defaultUri: doc.uri.with({ path: doc.uri.path.replace(/\.onnx$/i, '') + `.bench.${format}` }) });
    if (target) await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(format === 'csv' ? benchToCsv(report) : JSON.stringify(report, null, 2)));
  });
  return report;
}

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const f = (v: number) => (Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : '-');

export function benchHtml(r: BenchReport, webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = Math.random().toString(36).slice(2) + Date.now().toString(36);
  const css = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'webview.css'));
  // Chart: p50 latency (bars) and throughput (dots) per batch size, as SVG attributes (no inline styles).
  const W = 520;
  const H = 200;
  const n = Math.max(1, r.rows.length);
  const maxLat = Math.max(1e-9, ...r.rows.map((x) => x.p99Ms));
  const maxThr = Math.max(1e-9, ...r.rows.map((x) => x.throughput));
  const bw = (W - 60) / n;
  const bars = r.rows
    .map((x, i) => {
      const h = (x.p50Ms / maxLat) * (H - 40);
      const h99 = (x.p99Ms / maxLat) * (H - 40);
      const cx = 40 + i * bw + bw / 2;
      const ty = H - 20 - (x.throughput / maxThr) * (H - 40);
      return `<rect class="lat" x="${40 + i * bw + 4}" y="${H - 20 - h}" width="${bw - 8}" height="${h}"><title>batch ${x.batch}: p50 ${f(x.p50Ms)} ms</title></rect>` +
        `<line class="p99" x1="${cx}" x2="${cx}" y1="${H - 20 - h}" y2="${H - 20 - h99}"/>` +
        `<circle class="thr" cx="${cx}" cy="${ty}" r="4"><title>${f(x.throughput)} items/s</title></circle>` +
        `<text x="${cx}" y="${H - 5}" text-anchor="middle">${x.batch}</text>`;
    })
    .join('');
  const rows = r.rows
    .map((x) => `<tr><td>${esc(x.provider)}</td><td>${x.batch}</td><td>${f(x.firstRunMs)}</td><td>${x.warmupMs.map(f).join(', ')}</td><td>${f(x.p50Ms)}</td><td>${f(x.p90Ms)}</td><td>${f(x.p99Ms)}</td><td>${f(x.meanMs)}</td><td>${f(x.throughput)}</td></tr>`)
    .join('');
  return `<!DOCTYPE html><html><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<link rel="stylesheet" href="${css}" nonce="${nonce}">
<style nonce="${nonce}">body{padding:10px;overflow:auto} td,th{padding:3px 6px;border-bottom:1px solid var(--vscode-panel-border)} .lat{fill:var(--vscode-charts-blue)} .thr{fill:var(--vscode-charts-orange)} .p99{stroke:var(--vscode-foreground);stroke-width:2} text{fill:var(--vscode-foreground);font-size:11px} button{margin-right:6px}</style>
</head><body>
<h2 data-testid="bench-title">Latency by batch size</h2>
<p>Bars: p50 latency (line to p99); dots: throughput. Warm-up runs are reported apart and not in the statistics.</p>
<svg width="${W}" height="${H}" role="img" aria-label="latency and throughput by batch size">${bars}</svg>
<table class="bench"><thead><tr><th>provider</th><th>batch</th><th>first run ms</th><th>warm-up ms</th><th>p50</th><th>p90</th><th>p99</th><th>mean</th><th>items/s</th></tr></thead><tbody>${rows}</tbody></table>
${r.notes.map((x) => `<p class="muted">${esc(x)}</p>`).join('')}
<p><button id="csv">Export CSV</button><button id="json">Export JSON</button></p>
<script nonce="${nonce}">const vscode=acquireVsCodeApi();document.getElementById('csv').onclick=()=>vscode.postMessage({export:'csv'});document.getElementById('json').onclick=()=>vscode.postMessage({export:'json'});</script>
</body></html>`;
}

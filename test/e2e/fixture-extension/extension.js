// Throwaway extension for the e2e harness's smoke test (plain CommonJS: nothing to build).
// - custom editor `onnxLensFixture.viewer` for *.onnx: the webview says `ready`, the host answers with the
//   file name and byte count, a button round-trips a `clicked` message and the host's reply is shown;
// - command `ONNX Lens Fixture: Say Hello`: an information message, a `command` message to every open
//   webview, and one Warning diagnostic per open .onnx file (so the Problems panel has something);
// - a hover on plain-text files: `fixture hover: <word>`.
'use strict';
const vscode = require('vscode');
const crypto = require('crypto');

/** @type {Set<vscode.WebviewPanel>} */
const panels = new Set();
/** @type {Map<string, number>} uri -> byte count of the open .onnx documents */
const opened = new Map();

/** @param {vscode.ExtensionContext} context */
function activate(context) {
  const diagnostics = vscode.languages.createDiagnosticCollection('onnx-lens-fixture');
  context.subscriptions.push(diagnostics);

  context.subscriptions.push(
    vscode.window.registerCustomEditorProvider(
      'onnxLensFixture.viewer',
      {
        openCustomDocument(uri) {
          return { uri, dispose() {} };
        },
        async resolveCustomEditor(document, panel) {
          const bytes = (await vscode.workspace.fs.readFile(document.uri)).byteLength;
          const name = document.uri.path.split('/').pop();
          opened.set(document.uri.toString(), bytes);
          panels.add(panel);
          let clicks = 0;
          panel.webview.options = { enableScripts: true, localResourceRoots: [] };
          panel.webview.html = html(panel.webview);
          panel.webview.onDidReceiveMessage((msg) => {
            if (!msg || typeof msg.type !== 'string') return;
            if (msg.type === 'ready') panel.webview.postMessage({ type: 'init', name, bytes });
            else if (msg.type === 'clicked') {
              clicks += 1;
              panel.webview.postMessage({ type: 'clicks', count: clicks });
            }
          });
          panel.onDidDispose(() => {
            panels.delete(panel);
            opened.delete(document.uri.toString());
          });
        },
      },
      { webviewOptions: { retainContextWhenHidden: false }, supportsMultipleEditorsPerDocument: false },
    ),
  );

  context.subscriptions.push(
    vscode.commands.registerCommand('onnxLensFixture.hello', () => {
      for (const p of panels) p.webview.postMessage({ type: 'command' });
      diagnostics.clear();
      for (const [uri, bytes] of opened) {
        const d = new vscode.Diagnostic(
          new vscode.Range(0, 0, 0, 0),
          `fixture: ${uri.split('/').pop()} has ${bytes} bytes`,
          vscode.DiagnosticSeverity.Warning,
        );
        d.source = 'onnx-lens-fixture';
        diagnostics.set(vscode.Uri.parse(uri), [d]);
      }
      vscode.window.showInformationMessage(`ONNX Lens fixture: hello (${panels.size} viewer(s) open)`);
    }),
  );

  context.subscriptions.push(
    vscode.languages.registerHoverProvider(
      { language: 'plaintext' },
      {
        provideHover(doc, pos) {
          const range = doc.getWordRangeAtPosition(pos);
          if (!range) return undefined;
          return new vscode.Hover(new vscode.MarkdownString(`fixture hover: **${doc.getText(range)}**`), range);
        },
      },
    ),
  );
}

/** @param {vscode.Webview} webview */
function html(webview) {
  const nonce = crypto.randomBytes(16).toString('base64');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<style nonce="${nonce}">
  body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 1em; }
  button { font-size: 1.1em; padding: 0.3em 1em; }
</style></head>
<body>
  <h1 id="title">ONNX Lens fixture viewer</h1>
  <p id="bytes">loading…</p>
  <button id="count" type="button">Count clicks</button>
  <p id="clicks">no clicks yet</p>
  <p id="command">command not run</p>
<script nonce="${nonce}">
  const vscode = acquireVsCodeApi();
  const $ = (id) => document.getElementById(id);
  window.addEventListener('message', (e) => {
    const m = e.data;
    if (m.type === 'init') $('bytes').textContent = m.name + ': ' + m.bytes + ' bytes';
    else if (m.type === 'clicks') $('clicks').textContent = 'clicked ' + m.count + ' time(s)';
    else if (m.type === 'command') $('command').textContent = 'command ran';
  });
  $('count').addEventListener('click', () => vscode.postMessage({ type: 'clicked' }));
  vscode.postMessage({ type: 'ready' });
</script>
</body></html>`;
}

function deactivate() {}

module.exports = { activate, deactivate };

/**
 * The webview's HTML, built in one place: CSP `default-src 'none'` with a nonce, resources only from the
 * extension's own dist/ and media/ folders (the webview's localResourceRoots), nothing inline without the
 * nonce. Model strings never pass through here: the webview sets them as text (textContent), never HTML.
 */
import type * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

export function webviewOptions(extensionUri: vscode.Uri, joinPath: (base: vscode.Uri, ...p: string[]) => vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [joinPath(extensionUri, 'dist'), joinPath(extensionUri, 'media')],
  };
}

export function buildWebviewHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  joinPath: (base: vscode.Uri, ...p: string[]) => vscode.Uri,
  title: string,
): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (...p: string[]) => webview.asWebviewUri(joinPath(extensionUri, ...p)).toString();
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data: blob:`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    // The layout worker is fetched from dist/ and started from a blob: URL (webview origins cannot start
    // workers from vscode-resource URLs directly).
    `worker-src blob:`,
    `connect-src ${webview.cspSource}`,
  ].join('; ');
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('media', 'webview.css')}" nonce="${nonce}">
<title>${esc(title)}</title>
</head>
<body>
<div id="app" data-worker="${esc(asset('dist', 'layout-worker.js'))}"></div>
<script nonce="${nonce}" src="${asset('dist', 'webview.js')}"></script>
</body>
</html>`;
}

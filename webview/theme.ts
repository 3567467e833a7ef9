/** Colours from the VS Code theme (light, dark, high contrast), read from the webview's CSS variables. */
export interface Theme {
  background: string;
  foreground: string;
  muted: string;
  edge: string;
  border: string;
  selection: string;
  match: string;
  error: string;
  warning: string;
  info: string;
  highContrast: boolean;
  category: string[];
  font: string;
}

function css(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

export function readTheme(): Theme {
  const hc = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  const dark = document.body.classList.contains('vscode-dark') || (hc && !document.body.classList.contains('vscode-high-contrast-light'));
  const blue = css('--vscode-charts-blue', '#3794ff');
  const green = css('--vscode-charts-green', '#89d185');
  const yellow = css('--vscode-charts-yellow', '#cca700');
  const orange = css('--vscode-charts-orange', '#d18616');
  const purple = css('--vscode-charts-purple', '#b180d7');
  const red = css('--vscode-charts-red', '#f14c4c');
  const fg = css('--vscode-editor-foreground', dark ? '#cccccc' : '#333333');
  const grey = css('--vscode-descriptionForeground', dark ? '#9d9d9d' : '#717171');
  return {
    background: css('--vscode-editor-background', dark ? '#1e1e1e' : '#ffffff'),
    foreground: fg,
    muted: grey,
    edge: css('--vscode-editorLineNumber-foreground', grey),
    border: hc ? css('--vscode-contrastBorder', '#6fc3df') : css('--vscode-panel-border', dark ? '#444' : '#ccc'),
    selection: css('--vscode-focusBorder', '#007fd4'),
    match: css('--vscode-editor-findMatchBorder', orange),
    error: css('--vscode-editorError-foreground', red),
    warning: css('--vscode-editorWarning-foreground', yellow),
    info: css('--vscode-editorInfo-foreground', blue),
    highContrast: hc,
    // Indexed by ViewCategory.
    category: [grey, blue, red, green, purple, yellow, grey, orange, grey, purple, red, green, fg],
    font: css('--vscode-editor-font-family', 'monospace'),
  };
}

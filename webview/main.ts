/**
 * The graph view app. The host owns the model; this view draws what it is sent, asks for details on demand
 * and sends intents back. Layout runs in a worker; drawing covers only the viewport.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { HostMessage, NodeDiagnostic, Request, RequestResult, WebviewMessage } from '../src/protocol/messages';
import type { GraphView, ModelView, NodeDetails, WeightDetails } from '../src/protocol/view';
import { ViewNodeKind } from '../src/protocol/view';
import type { LayoutResult } from './layout/types';
import { LayoutClient, startLayoutWorker } from './layout/worker';
import { Scene, layoutInput, nodeText, str } from './scene';
import { drawMinimap, drawScene, type Camera, type Marks } from './render';
import { readTheme, type Theme } from './theme';
import { button, clear, el, table } from './dom';
import { sceneToPng, sceneToSvg } from './exporter';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };
const vscode = acquireVsCodeApi();
const send = (m: WebviewMessage) => vscode.postMessage(m);
const log = (level: 'info' | 'warn' | 'error', message: string) => send({ type: 'log', level, message });

// ------------------------------------------------------------------ requests

let nextId = 1;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
function request<M extends Request['method']>(method: M, params: Extract<Request, { method: M }>['params']): Promise<RequestResult[M]> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    send({ type: 'request', id, method, params } as WebviewMessage);
  });
}

// ------------------------------------------------------------------ layout worker

const layoutClient: Promise<LayoutClient> = (async () => {
  const url = document.getElementById('app')?.dataset.worker ?? '';
  const worker = await startLayoutWorker(url, (reason) => log('warn', `layout runs on the UI thread: ${reason}`));
  return new LayoutClient(worker);
})();

async function runLayout(view: GraphView): Promise<LayoutResult> {
  return (await layoutClient).layout(layoutInput(view), undefined, true);
}

// ------------------------------------------------------------------ DOM

const app = document.getElementById('app')!;
const toolbar = el('div', { class: 'toolbar' });
const crumbs = el('div', { class: 'crumbs' });
const searchBox = el('vscode-textfield', { attrs: { placeholder: 'Search nodes, ops, tensors (Enter: next)', 'aria-label': 'Search' } }) as HTMLElement & { value: string };
const searchCount = el('span', { class: 'count' });
const noteEl = el('div', { class: 'note', attrs: { role: 'status' } });
const canvas = el('canvas', { class: 'graph', attrs: { tabindex: '0', 'aria-label': 'Graph' } });
const minimap = el('canvas', { class: 'minimap', attrs: { 'aria-hidden': 'true' } });
minimap.style.display = 'none'; // shown by paintMinimap once there is a graph larger than the view
const side = el('div', { class: 'side' });
const nodePanel = el('section', { class: 'panel node-panel' });
const weightPanel = el('section', { class: 'panel weight-panel' });
const modelPanel = el('section', { class: 'panel model-panel' });
const status = el('div', { class: 'statusline', attrs: { 'data-testid': 'status' } });
const hoverCard = el('div', { class: 'hover-card', attrs: { role: 'tooltip', 'data-testid': 'hover-card' } });

toolbar.append(
  crumbs,
  el('div', { class: 'search' }, searchBox, searchCount, button('↑', () => step(-1), 'Previous match (Shift+Enter)'), button('↓', () => step(1), 'Next match (Enter)')),
  button('Fit', () => fit(), 'Fit to view (F)'),
  button('SVG', () => exportView('svg'), 'Export as SVG'),
  button('PNG', () => exportView('png'), 'Export as PNG'),
);
side.append(nodePanel, weightPanel, modelPanel);
app.append(toolbar, noteEl, el('div', { class: 'main' }, el('div', { class: 'stage' }, canvas, minimap, hoverCard), side), status);

// ------------------------------------------------------------------ state

let theme: Theme = readTheme();
let model: ModelView | undefined;
let scene: Scene | undefined;
let cam: Camera = { x: 0, y: 0, scale: 1 };
const marks: Marks = {};
let matches: number[] = [];
/** The query `matches` were found for: Enter right after typing must not step through a prefix's matches. */
let matchQuery = '';
let matchPos = -1;
let mini: ReturnType<typeof drawMinimap> | undefined;
let diagnostics: NodeDiagnostic[] = [];
let metricsByNode = new Map<number, { score: number; text: string }>();
let pendingReveal: { graphId: number; nodeId: number } | undefined;

function cssSize(): { w: number; h: number } {
  return { w: canvas.clientWidth, h: canvas.clientHeight };
}

let frame = 0;
function redraw(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    paint();
  });
}

function paint(): number {
  const { w, h } = cssSize();
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  if (!scene) {
    ctx.clearRect(0, 0, w, h);
    return 0;
  }
  const drawn = drawScene(ctx, scene, cam, w, h, theme, marks);
  paintMinimap();
  canvas.dataset.visibleNodes = String(drawn);
  return drawn;
}

function paintMinimap(): void {
  if (!scene || !mini) return;
  const { w, h } = cssSize();
  // When the whole graph is in view the minimap shows nothing new, and in a narrow pane it would cover nodes.
  const L = scene.layout;
  const whole = cam.x <= 0 && cam.y <= 0 && cam.x + w / cam.scale >= L.width && cam.y + h / cam.scale >= L.height;
  minimap.style.display = whole ? 'none' : '';
  if (whole) return;
  minimap.width = mini.canvas.width;
  minimap.height = mini.canvas.height;
  const ctx = minimap.getContext('2d')!;
  ctx.drawImage(mini.canvas, 0, 0);
  ctx.strokeStyle = theme.selection;
  ctx.lineWidth = 1.5;
  ctx.strokeRect(cam.x * mini.sx, cam.y * mini.sy, (w / cam.scale) * mini.sx, (h / cam.scale) * mini.sy);
}

function fit(): void {
  if (!scene) return;
  const { w, h } = cssSize();
  const L = scene.layout;
  const scale = Math.max(0.02, Math.min(1.5, (w - 20) / L.width, (h - 20) / L.height));
  cam = { scale, x: L.width / 2 - w / 2 / scale, y: L.height / 2 - h / 2 / scale };
  // Big graphs: start readable at the first layer, centred on its first node, rather than a thumbnail.
  if (scale < 0.3) {
    cam.scale = 0.6;
    const first = scene.readingOrder[0];
    cam.x = (first !== undefined ? L.x[first] : L.width / 2) - w / 2 / cam.scale;
    cam.y = 0;
  }
  redraw();
}

function centerOn(i: number): void {
  if (!scene) return;
  const { w, h } = cssSize();
  if (cam.scale < 0.6) cam.scale = 0.9;
  cam.x = scene.layout.x[i] - w / 2 / cam.scale;
  cam.y = scene.layout.y[i] - h / 2 / cam.scale;
  redraw();
}

// ------------------------------------------------------------------ graphs

async function showGraph(view: GraphView, t0: number): Promise<void> {
  clear(nodePanel);
  clear(weightPanel);
  noteEl.textContent = view.note ?? '';
  renderCrumbs(view);
  status.textContent = `Laying out ${view.nodeCount.toLocaleString()} nodes…`;
  const tl = performance.now();
  let layout: LayoutResult;
  try {
    layout = await runLayout(view);
  } catch (e) {
    status.textContent = `Layout failed: ${String(e)}`;
    log('error', `layout failed: ${String(e)}`);
    return;
  }
  const layoutMs = performance.now() - tl;
  scene = new Scene(view, layout);
  theme = readTheme();
  mini = drawMinimap(scene, theme, 160);
  marks.selected = undefined;
  marks.matches = undefined;
  matches = [];
  matchQuery = '';
  searchCount.textContent = '';
  applyDiagnostics();
  applyMetrics();
  fit();
  paint();
  const stubs = layout.stubs.edge.length;
  status.textContent = `${view.path} · ${view.nodeCount.toLocaleString()} nodes · ${view.edgeCount.toLocaleString()} edges${stubs ? ` · ${stubs} edges drawn as stubs (shared tensors)` : ''} · layout ${layoutMs.toFixed(0)} ms`;
  canvas.dataset.nodeCount = String(view.nodeCount);
  canvas.dataset.opNodeCount = String(countOps(view));
  canvas.dataset.graphPath = view.path;
  send({ type: 'painted', graphId: view.graphId, nodeCount: view.nodeCount, layoutMs, totalMs: performance.now() - t0 });
  if (pendingReveal && pendingReveal.graphId === view.graphId) {
    const r = pendingReveal;
    pendingReveal = undefined;
    revealNode(r.nodeId);
  }
}

function countOps(v: GraphView): number {
  let n = 0;
  for (let i = 0; i < v.nodeCount; i++) if (v.nodeKind[i] === ViewNodeKind.Op || v.nodeKind[i] === ViewNodeKind.Constant) n++;
  return n;
}

function renderCrumbs(view: GraphView): void {
  clear(crumbs);
  view.breadcrumb.forEach((c, k) => {
    if (k) crumbs.append(el('span', { class: 'sep', text: '›' }));
    const last = k === view.breadcrumb.length - 1;
    const b = el(last ? 'span' : 'a', { class: last ? 'crumb current' : 'crumb', text: c.label, attrs: last ? {} : { href: '#', role: 'button' } });
    if (!last) b.addEventListener('click', (ev) => (ev.preventDefault(), void openGraph(c.graphId)));
    crumbs.append(b);
  });
}

async function openGraph(graphId: number): Promise<void> {
  const t0 = performance.now();
  try {
    await showGraph(await request('openGraph', { graphId }), t0);
  } catch (e) {
    status.textContent = String(e);
  }
}

// ------------------------------------------------------------------ selection and panels

function select(i: number | undefined, center = false): void {
  marks.selected = i;
  redraw();
  if (!scene || i === undefined) {
    canvas.dataset.selected = '';
    send({ type: 'selected', graphId: scene?.view.graphId ?? 0, nodeId: null });
    return;
  }
  if (center) centerOn(i);
  const v = scene.view;
  send({ type: 'selected', graphId: v.graphId, nodeId: v.nodeId[i] });
  canvas.dataset.selected = nodeText(v, i).title;
  void showNodePanel(i);
}

function revealNode(nodeId: number): void {
  const i = scene?.indexOfId(nodeId);
  if (i !== undefined) select(i, true);
}

/** Bumped by each showNodePanel call: an answer that arrives after a newer call started is dropped. */
let panelGeneration = 0;

async function showNodePanel(i: number): Promise<void> {
  if (!scene) return;
  const v = scene.view;
  const generation = ++panelGeneration;
  clear(nodePanel);
  const kind = v.nodeKind[i];
  if (kind !== ViewNodeKind.Op && kind !== ViewNodeKind.Constant) {
    nodePanel.append(el('h2', { text: nodeText(v, i).title, attrs: { 'data-testid': 'node-title' } }), table([['type', str(v, v.nodeDetail[i]) || 'unknown']]));
    return;
  }
  const graphId = v.graphId;
  let d: NodeDetails;
  try {
    d = await request('nodeDetails', { graphId, nodeId: v.nodeId[i] });
    if (generation !== panelGeneration) return;
  } catch (e) {
    if (generation !== panelGeneration) return;
    nodePanel.append(el('p', { class: 'error', text: String(e) }));
    return;
  }
  if (marks.selected !== i) return;
  const schemaRow: [string, string | Node] =
    'missing' in d.schema
      ? ['schema', el('span', { class: 'error', text: d.schema.missing })]
      : [
          'schema',
          el('span', {}, `${d.domain || 'ai.onnx'} ${d.opType}, since opset ${d.schema.sinceVersion}${d.schema.deprecated ? ' (deprecated)' : ''} `, d.schema.docUrl ? el('a', { text: 'documentation', attrs: { href: d.schema.docUrl } }) : null),
        ];
  nodePanel.append(
    el('h2', { text: d.opType, attrs: { 'data-testid': 'node-title' } }),
    table([['name', d.name || '(unnamed)'], ['domain', d.domain || 'ai.onnx'], schemaRow]),
  );
  const diags = diagnostics.filter((x) => x.graphId === graphId && x.nodeId === d.nodeId);
  if (diags.length) {
    const box = el('div', { class: 'diagnostics' });
    for (const g of diags) {
      const row = el('div', { class: `diag ${g.severity}` }, el('b', { text: `${g.severity} ${g.code}: ` }), g.message);
      for (const f of g.fixes ?? []) {
        row.append(button(f.label, async () => {
          const r = await request('applyFix', { graphId, nodeId: d.nodeId, fixId: f.id });
          status.textContent = r.message;
        }));
      }
      box.append(row);
    }
    nodePanel.append(box);
  }
  const metric = metricsByNode.get(i);
  if (metric) nodePanel.append(el('p', { class: 'metric', text: metric.text }));
  if (d.attributes.length) {
    nodePanel.append(el('h3', { text: 'Attributes' }));
    const t = el('table', { class: 'attrs' });
    for (const a of d.attributes) {
      const cell = el('td', {}, el('span', { text: a.value }));
      for (const gid of a.graphIds ?? []) cell.append(' ', button('Open', () => void openGraph(gid), `Open the ${a.name} subgraph`));
      t.append(el('tr', {}, el('th', { text: a.name }), el('td', { class: 'type', text: a.type }), cell));
    }
    nodePanel.append(t);
  }
  const io = (title: string, refs: NodeDetails['inputs']) => {
    nodePanel.append(el('h3', { text: title }));
    const t = el('table', { class: 'io' });
    for (const r of refs) {
      const nameCell = el('td', {}, el('span', { text: r.name || '—' }));
      if (r.initializer) nameCell.append(' ', button('Weight', () => void showWeight(graphId, r.name), `Show the values of ${r.name}`));
      t.append(el('tr', {}, nameCell, el('td', { class: 'type', text: r.type }), el('td', { class: 'muted', text: r.producer ?? (r.consumers !== undefined ? `${r.consumers} readers` : '') })));
    }
    nodePanel.append(t);
  };
  if (d.functionGraphId !== undefined) {
    const gid = d.functionGraphId;
    nodePanel.append(el('p', {}, 'Defined by a local function. ', button('Open function', () => void openGraph(gid), 'Open the function body')));
  }
  io('Inputs', d.inputs);
  io('Outputs', d.outputs);
  if (d.docString) nodePanel.append(el('h3', { text: 'Doc string' }), el('pre', { text: d.docString }));
}

async function showWeight(graphId: number, name: string): Promise<void> {
  clear(weightPanel);
  weightPanel.append(el('h2', { text: `Weight ${name}` }), el('p', { class: 'muted', text: 'Loading…' }));
  let w: WeightDetails;
  try {
    w = await request('weight', { graphId, name });
  } catch (e) {
    clear(weightPanel);
    weightPanel.append(el('h2', { text: `Weight ${name}` }), el('p', { class: 'error', text: String(e) }));
    return;
  }
  clear(weightPanel);
  weightPanel.append(el('h2', { text: `Weight ${w.name}` }));
  const rows: [string, string][] = [['dtype', w.dtype], ['shape', `[${w.shape.join(', ')}]`]];
  if (w.external) rows.push(['external', `${w.external.file} @ ${w.external.offset} (+${w.external.length} bytes)`]);
  if (w.stats) {
    const s = w.stats;
    rows.push(['count', String(s.count)], ['min', fmt(s.min)], ['max', fmt(s.max)], ['mean', fmt(s.mean)], ['std', fmt(s.std)], ['zeros', String(s.zeros)], ['NaN / Inf', `${s.nan} / ${s.inf}`]);
  }
  weightPanel.append(table(rows));
  if (w.error) weightPanel.append(el('p', { class: 'error', text: w.error }));
  if (w.histogram) weightPanel.append(histogram(w.histogram));
  if (w.first?.length) weightPanel.append(el('h3', { text: 'First values' }), el('pre', { text: w.first.map((x) => (typeof x === 'number' ? fmt(x) : x)).join(', ') }));
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(6);
}

function histogram(hg: { edges: number[]; counts: number[] }): HTMLCanvasElement {
  const c = el('canvas', { class: 'histogram', attrs: { width: '260', height: '90', 'aria-label': 'Histogram of values' } });
  const ctx = c.getContext('2d')!;
  const max = Math.max(1, ...hg.counts);
  const bw = 260 / Math.max(1, hg.counts.length);
  ctx.fillStyle = theme.info;
  hg.counts.forEach((n, i) => {
    const hh = (n / max) * 80;
    ctx.fillRect(i * bw, 85 - hh, Math.max(1, bw - 1), hh);
  });
  ctx.fillStyle = theme.muted;
  ctx.font = `10px ${theme.font}`;
  ctx.fillText(fmt(hg.edges[0] ?? 0), 0, 10);
  const last = fmt(hg.edges[hg.edges.length - 1] ?? 0);
  ctx.fillText(last, 260 - ctx.measureText(last).width, 10);
  return c;
}

function showModelPanel(m: ModelView): void {
  clear(modelPanel);
  modelPanel.append(
    el('h2', { text: 'Model' }),
    table([
      ['file', m.fileName],
      ['IR version', String(m.irVersion ?? '?')],
      ['opsets', m.opsetImports.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ')],
      ['producer', m.producer],
      ['nodes', m.nodeCount.toLocaleString()],
      ...m.metadata.map(([k, v]) => [k, v] as [string, string]),
    ]),
  );
  if (m.docString) modelPanel.append(el('pre', { text: m.docString }));
  const others = m.graphs.filter((g) => g.kind !== 'main');
  if (others.length) {
    modelPanel.append(el('h3', { text: 'Subgraphs and functions' }));
    for (const g of others.slice(0, 200)) {
      const a = el('a', { text: `${g.path} (${g.nodeCount})`, attrs: { href: '#' } });
      a.addEventListener('click', (ev) => (ev.preventDefault(), void openGraph(g.graphId)));
      modelPanel.append(el('div', {}, a));
    }
  }
  for (const p of m.problems) modelPanel.append(el('p', { class: 'error', text: p }));
}

// ------------------------------------------------------------------ diagnostics, metrics

function applyDiagnostics(): void {
  if (!scene) return;
  const sev = new Map<number, number>();
  const rank = { error: 3, warning: 2, info: 1, hint: 1 } as const;
  for (const d of diagnostics) {
    if (d.graphId !== scene.view.graphId) continue;
    const i = scene.indexOfId(d.nodeId);
    if (i !== undefined) sev.set(i, Math.max(sev.get(i) ?? 0, rank[d.severity]));
  }
  marks.severity = sev;
}

let metricItems: { graphId: number; nodeId: number; score: number; text: string }[] = [];
function applyMetrics(): void {
  metricsByNode = new Map();
  if (!scene) return;
  for (const m of metricItems) {
    if (m.graphId !== scene.view.graphId) continue;
    const i = scene.indexOfId(m.nodeId);
    if (i !== undefined) metricsByNode.set(i, { score: m.score, text: m.text });
  }
  marks.metric = metricsByNode.size ? new Map([...metricsByNode].map(([k, v]) => [k, v.score])) : undefined;
}

// ------------------------------------------------------------------ search

function search(q: string): void {
  matches = [];
  matchQuery = q;
  matchPos = -1;
  if (!scene || !q) {
    marks.matches = undefined;
    searchCount.textContent = '';
    redraw();
    return;
  }
  const v = scene.view;
  const needle = q.toLowerCase();
  const hit = new Set<number>();
  // A query that names an op type finds exactly the nodes of that type; anything else searches node names
  // and tensor names (a tensor leads to its producer).
  for (let i = 0; i < v.nodeCount; i++) {
    if (v.nodeKind[i] !== ViewNodeKind.Op && v.nodeKind[i] !== ViewNodeKind.Constant) continue;
    if (str(v, v.nodeOp[i]).toLowerCase() === needle) hit.add(i);
  }
  if (!hit.size) {
    for (let i = 0; i < v.nodeCount; i++) {
      if (str(v, v.nodeName[i]).toLowerCase().includes(needle) || str(v, v.nodeOp[i]).toLowerCase().includes(needle)) hit.add(i);
    }
    for (let e = 0; e < v.edgeCount; e++) {
      if (str(v, v.tensorName[v.edgeTensor[e]]).toLowerCase().includes(needle)) hit.add(v.edgeSrc[e]);
    }
  }
  matches = [...hit].sort((a, b) => scene!.rankOf[a] - scene!.rankOf[b]);
  marks.matches = new Set(matches);
  searchCount.textContent = matches.length ? `${matches.length} found` : 'no match';
  searchCount.dataset.count = String(matches.length);
  if (matches.length) step(1);
  else redraw();
}

function step(dir: number): void {
  if (!matches.length) return;
  matchPos = (matchPos + dir + matches.length) % matches.length;
  searchCount.textContent = `${matchPos + 1} / ${matches.length}`;
  select(matches[matchPos], true);
}

let searchTimer: ReturnType<typeof setTimeout> | undefined;
searchBox.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => search(searchBox.value.trim()), 150);
});
searchBox.addEventListener('keydown', (ev: KeyboardEvent) => {
  if (ev.key === 'Enter') {
    ev.preventDefault();
    clearTimeout(searchTimer);
    const q = searchBox.value.trim();
    // The debounced search may have run for a prefix of what is typed now ("C" of "Conv", seen under load).
    if (!matches.length || q !== matchQuery) search(q);
    else step(ev.shiftKey ? -1 : 1);
  } else if (ev.key === 'Escape') {
    searchBox.value = '';
    search('');
    canvas.focus();
  }
});

// ------------------------------------------------------------------ export

function exportView(format: 'svg' | 'png'): void {
  if (!scene) return;
  const data = format === 'svg' ? sceneToSvg(scene, theme) : sceneToPng(scene, theme);
  send({ type: 'exported', format, data });
}

// ------------------------------------------------------------------ input

// ------------------------------------------------------------------ hover card

let hoverIndex: number | undefined;
let hoverTimer: ReturnType<typeof setTimeout> | undefined;
function hideHover(): void {
  clearTimeout(hoverTimer);
  hoverIndex = undefined;
  hoverCard.classList.remove('visible');
}

/** The card for node i: its diagnostics, the op and its schema version, inputs and outputs with shapes. */
async function showHover(i: number, px: number, py: number): Promise<void> {
  if (!scene) return;
  const v = scene.view;
  const kind = v.nodeKind[i];
  clear(hoverCard);
  hoverCard.append(el('div', { class: 'hc-title', text: nodeText(v, i).title }));
  if (kind === ViewNodeKind.Op || kind === ViewNodeKind.Constant) {
    const graphId = v.graphId;
    let d: NodeDetails;
    try {
      d = await request('nodeDetails', { graphId, nodeId: v.nodeId[i] });
    } catch {
      return;
    }
    if (hoverIndex !== i) return;
    if (d.name) hoverCard.append(el('div', { class: 'muted', text: d.name }));
    hoverCard.append(
      el('div', {
        class: 'hc-schema',
        text: 'missing' in d.schema ? d.schema.missing : `${d.domain || 'ai.onnx'} ${d.opType}, schema since opset ${d.schema.sinceVersion}${d.schema.deprecated ? ' (deprecated)' : ''}`,
      }),
    );
    for (const g of diagnostics.filter((x) => x.graphId === graphId && x.nodeId === d.nodeId)) {
      const row = el('div', { class: `diag ${g.severity}` }, el('b', { text: `${g.severity} ${g.code}: ` }), g.message);
      for (const f of g.fixes ?? []) {
        row.append(' ', button(f.label, async () => {
          const r = await request('applyFix', { graphId, nodeId: d.nodeId, fixId: f.id });
          status.textContent = r.message;
        }));
      }
      hoverCard.append(row);
    }
    const io = (label: string, refs: NodeDetails['inputs']) =>
      refs.forEach((r) => r.name && hoverCard.append(el('div', { class: 'hc-io' }, el('span', { class: 'muted', text: `${label} ` }), `${r.name}: ${r.type || '?'}`)));
    io('in', d.inputs);
    io('out', d.outputs);
  } else {
    hoverCard.append(el('div', { text: str(v, v.nodeDetail[i]) || 'unknown type' }));
  }
  const stage = canvas.getBoundingClientRect();
  hoverCard.style.left = `${Math.min(px + 16, stage.width - 360)}px`;
  hoverCard.style.top = `${Math.min(py + 16, stage.height - 40)}px`;
  hoverCard.classList.add('visible');
}

canvas.addEventListener('pointermove', (ev) => {
  if (drag || !scene) return;
  const r = canvas.getBoundingClientRect();
  const i = scene.hit(cam.x + (ev.clientX - r.left) / cam.scale, cam.y + (ev.clientY - r.top) / cam.scale);
  if (i === hoverIndex) return;
  hideHover();
  if (i === undefined) return;
  hoverIndex = i;
  const px = ev.clientX - r.left;
  const py = ev.clientY - r.top;
  hoverTimer = setTimeout(() => void showHover(i, px, py), 350);
});
canvas.addEventListener('pointerleave', (ev) => {
  if (!hoverCard.contains(ev.relatedTarget as Node | null)) hideHover();
});
hoverCard.addEventListener('pointerleave', () => hideHover());

let drag: { x: number; y: number; cx: number; cy: number; moved: boolean } | undefined;
canvas.addEventListener('pointerdown', (ev) => {
  hideHover();
  canvas.focus();
  canvas.setPointerCapture(ev.pointerId);
  drag = { x: ev.clientX, y: ev.clientY, cx: cam.x, cy: cam.y, moved: false };
});
canvas.addEventListener('pointermove', (ev) => {
  if (!drag) return;
  const dx = ev.clientX - drag.x;
  const dy = ev.clientY - drag.y;
  if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
  cam.x = drag.cx - dx / cam.scale;
  cam.y = drag.cy - dy / cam.scale;
  redraw();
});
canvas.addEventListener('pointerup', (ev) => {
  const d = drag;
  drag = undefined;
  if (!d || d.moved || !scene) return;
  const r = canvas.getBoundingClientRect();
  select(scene.hit(cam.x + (ev.clientX - r.left) / cam.scale, cam.y + (ev.clientY - r.top) / cam.scale));
});
// The native context menu (package.json menus 'webview/context'): VS Code reads data-vscode-context from the
// element right-clicked, so the canvas says what is under the pointer just before the menu opens.
// VS Code may read the attribute before this element's own contextmenu listeners run, so it is set on the
// right button's pointerdown, which comes first, and again on contextmenu (keyboard menus).
canvas.addEventListener('pointerdown', (ev) => {
  if (ev.button === 2) setMenuContext(ev);
}, { capture: true });
canvas.addEventListener('contextmenu', (ev) => setMenuContext(ev));
function setMenuContext(ev: MouseEvent): void {
  if (!scene) return;
  const v = scene.view;
  const r = canvas.getBoundingClientRect();
  const wx = cam.x + (ev.clientX - r.left) / cam.scale;
  const wy = cam.y + (ev.clientY - r.top) / cam.scale;
  const i = scene.hit(wx, wy);
  const ctx: Record<string, unknown> = { webviewSection: 'graph', graphId: v.graphId, preventDefaultContextMenuItems: true };
  const isOutput = (tensor: number) => {
    for (let e = 0; e < v.edgeCount; e++) if (v.edgeTensor[e] === tensor && v.nodeKind[v.edgeDst[e]] === ViewNodeKind.Output) return true;
    return false;
  };
  if (i !== undefined && v.nodeKind[i] === ViewNodeKind.Op) {
    if (marks.selected !== i) select(i);
    Object.assign(ctx, { webviewSection: 'node', nodeId: v.nodeId[i], opType: str(v, v.nodeOp[i]) });
  } else if (i !== undefined && v.nodeKind[i] !== ViewNodeKind.Group) {
    if (marks.selected !== i) select(i);
    const out = scene.outEdges[i][0] ?? scene.inEdges[i][0];
    const tensor = out !== undefined ? str(v, v.tensorName[v.edgeTensor[out]]) : str(v, v.nodeName[i]);
    Object.assign(ctx, { webviewSection: 'tensor', tensor, isGraphOutput: v.nodeKind[i] === ViewNodeKind.Output || (out !== undefined && isOutput(v.edgeTensor[out])) });
  } else {
    const e = scene.hitEdge(wx, wy, 6 / cam.scale);
    if (e !== undefined) Object.assign(ctx, { webviewSection: 'tensor', tensor: str(v, v.tensorName[v.edgeTensor[e]]), isGraphOutput: isOutput(v.edgeTensor[e]) });
  }
  canvas.dataset.vscodeContext = JSON.stringify(ctx);
}
canvas.addEventListener('dblclick', (ev) => {
  if (!scene) return;
  const r = canvas.getBoundingClientRect();
  const i = scene.hit(cam.x + (ev.clientX - r.left) / cam.scale, cam.y + (ev.clientY - r.top) / cam.scale);
  const sg = i !== undefined ? scene.view.subgraphs.find((s) => s.node === i) : undefined;
  if (sg) void openGraph(sg.graphId);
});
canvas.addEventListener(
  'wheel',
  (ev) => {
    ev.preventDefault();
    if (ev.shiftKey && !ev.ctrlKey) {
      cam.x += ev.deltaY / cam.scale;
      redraw();
      return;
    }
    if (!ev.ctrlKey && Math.abs(ev.deltaY) < 50 && Math.abs(ev.deltaX) > 0) {
      cam.x += ev.deltaX / cam.scale;
      cam.y += ev.deltaY / cam.scale;
      redraw();
      return;
    }
    const r = canvas.getBoundingClientRect();
    zoomAt(ev.clientX - r.left, ev.clientY - r.top, Math.exp(-ev.deltaY * 0.0015));
  },
  { passive: false },
);

function zoomAt(sx: number, sy: number, factor: number): void {
  const wx = cam.x + sx / cam.scale;
  const wy = cam.y + sy / cam.scale;
  cam.scale = Math.max(0.01, Math.min(4, cam.scale * factor));
  cam.x = wx - sx / cam.scale;
  cam.y = wy - sy / cam.scale;
  redraw();
}

minimap.addEventListener('pointerdown', (ev) => {
  if (!mini) return;
  const move = (e: PointerEvent) => {
    const r = minimap.getBoundingClientRect();
    const { w, h } = cssSize();
    cam.x = (e.clientX - r.left) / mini!.sx - w / 2 / cam.scale;
    cam.y = (e.clientY - r.top) / mini!.sy - h / 2 / cam.scale;
    redraw();
  };
  move(ev);
  minimap.setPointerCapture(ev.pointerId);
  minimap.onpointermove = move;
  minimap.onpointerup = () => (minimap.onpointermove = null);
});

/** Keyboard: N/P next/previous node in reading order, ↑/↓ follow an input/output, ←/→ neighbours in the layer. */
canvas.addEventListener('keydown', (ev) => {
  if (!scene) return;
  const v = scene.view;
  const cur = marks.selected;
  const go = (i: number | undefined) => {
    if (i !== undefined) {
      ev.preventDefault();
      select(i, true);
    }
  };
  switch (ev.key) {
    case 'n':
    case 'j':
      go(scene.readingOrder[cur === undefined ? 0 : Math.min(v.nodeCount - 1, scene.rankOf[cur] + 1)]);
      break;
    case 'p':
    case 'k':
      go(scene.readingOrder[cur === undefined ? 0 : Math.max(0, scene.rankOf[cur] - 1)]);
      break;
    case 'ArrowUp':
      if (cur !== undefined) go(scene.inEdges[cur].length ? v.edgeSrc[scene.inEdges[cur][0]] : undefined);
      break;
    case 'ArrowDown':
      if (cur !== undefined) go(scene.outEdges[cur].length ? v.edgeDst[scene.outEdges[cur][0]] : undefined);
      break;
    case 'ArrowLeft':
    case 'ArrowRight': {
      if (cur === undefined) break;
      const r = scene.rankOf[cur] + (ev.key === 'ArrowLeft' ? -1 : 1);
      const j = scene.readingOrder[r];
      if (j !== undefined && scene.layout.layer[j] === scene.layout.layer[cur]) go(j);
      break;
    }
    case 'Enter': {
      const sg = cur !== undefined ? v.subgraphs.find((s) => s.node === cur) : undefined;
      if (sg) void openGraph(sg.graphId);
      break;
    }
    case 'Backspace': {
      const up = v.breadcrumb[v.breadcrumb.length - 2];
      if (up) void openGraph(up.graphId);
      break;
    }
    case 'f':
      fit();
      break;
    case '+':
    case '=':
      zoomAt(cssSize().w / 2, cssSize().h / 2, 1.25);
      break;
    case '-':
      zoomAt(cssSize().w / 2, cssSize().h / 2, 0.8);
      break;
    case '/':
      ev.preventDefault();
      searchBox.focus();
      break;
    case 'Escape':
      select(undefined);
      break;
  }
});

new ResizeObserver(() => redraw()).observe(canvas);
new MutationObserver(() => {
  theme = readTheme();
  if (scene) mini = drawMinimap(scene, theme, 160);
  redraw();
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

// ------------------------------------------------------------------ host messages

window.addEventListener('message', (ev: MessageEvent<HostMessage>) => {
  const m = ev.data;
  switch (m.type) {
    case 'init': {
      const t0 = performance.now();
      model = m.model;
      canvas.dataset.file = model.fileName;
      showModelPanel(model);
      void showGraph(m.graph, t0);
      break;
    }
    case 'graph':
      void showGraph(m.graph, performance.now());
      break;
    case 'reveal':
      if (scene?.view.graphId === m.graphId) revealNode(m.nodeId);
      else {
        pendingReveal = { graphId: m.graphId, nodeId: m.nodeId };
        void openGraph(m.graphId);
      }
      break;
    case 'diagnostics':
      diagnostics = m.items;
      applyDiagnostics();
      redraw();
      break;
    case 'nodeMetrics':
      metricItems = m.items;
      applyMetrics();
      status.textContent = m.title;
      redraw();
      break;
    case 'reply': {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (p) (m.error !== undefined ? p.reject(new Error(m.error)) : p.resolve(m.result));
      break;
    }
    case 'exportView':
      exportView(m.format);
      break;
    case 'search':
      searchBox.focus();
      if (m.query !== undefined) {
        searchBox.value = m.query;
        search(m.query);
      }
      break;
    case 'error':
      clear(app);
      app.append(el('div', { class: 'fatal' }, el('h2', { text: 'ONNX Lens could not open this file' }), el('pre', { text: m.message })));
      break;
  }
});

send({ type: 'ready' });

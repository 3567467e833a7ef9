/**
 * Canvas rendering of a Scene: only what is inside the viewport is drawn, text only when it is legible.
 * Model strings are drawn with fillText (pixels), never parsed as HTML.
 */
import { FONT_DETAIL, FONT_TITLE, LINE_H, PAD_X, TITLE_H, type Scene, nodeText, str } from './scene';
import type { Theme } from './theme';
import { ViewNodeFlags, ViewNodeKind } from '../src/protocol/view';

export interface Camera {
  /** World coordinate at the canvas's left/top edge. */
  x: number;
  y: number;
  scale: number;
}

export interface Marks {
  selected?: number;
  matches?: Set<number>;
  /** Severity per node index: 3 error, 2 warning, 1 info. */
  severity?: Map<number, number>;
  /** 0..1 error score per node index (layer-by-layer comparison). */
  metric?: Map<number, number>;
}

export function drawScene(ctx: CanvasRenderingContext2D, scene: Scene, cam: Camera, cssW: number, cssH: number, theme: Theme, marks: Marks): number {
  const { layout, view } = scene;
  ctx.save();
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, cssW, cssH);
  ctx.setTransform(ctx.getTransform().scale(cam.scale, cam.scale).translate(-cam.x, -cam.y));
  const x0 = cam.x;
  const y0 = cam.y;
  const x1 = cam.x + cssW / cam.scale;
  const y1 = cam.y + cssH / cam.scale;
  const s = cam.scale;

  // Edges.
  ctx.strokeStyle = theme.edge;
  ctx.lineWidth = Math.max(1 / s, 1.2);
  ctx.beginPath();
  const r = layout.edges;
  const box = scene.routeBox;
  const labelled: number[] = [];
  for (let k = 0; k < r.edge.length; k++) {
    if (box[4 * k] > x1 || box[4 * k + 2] < x0 || box[4 * k + 1] > y1 || box[4 * k + 3] < y0) continue;
    const p0 = r.offsets[k];
    ctx.moveTo(r.points[2 * p0], r.points[2 * p0 + 1]);
    for (let p = p0 + 1; p < r.offsets[k + 1]; p++) ctx.lineTo(r.points[2 * p], r.points[2 * p + 1]);
    if (s > 0.9 && labelled.length < 400) labelled.push(k);
  }
  ctx.stroke();
  // Arrow heads at consumer ends, when large enough to see.
  if (s > 0.35) {
    ctx.fillStyle = theme.edge;
    ctx.beginPath();
    for (let k = 0; k < r.edge.length; k++) {
      if (box[4 * k] > x1 || box[4 * k + 2] < x0 || box[4 * k + 1] > y1 || box[4 * k + 3] < y0) continue;
      const last = r.offsets[k + 1] - 1;
      const ex = r.points[2 * last];
      const ey = r.points[2 * last + 1];
      ctx.moveTo(ex, ey);
      ctx.lineTo(ex - 4, ey - 7);
      ctx.lineTo(ex + 4, ey - 7);
      ctx.closePath();
    }
    ctx.fill();
  }
  // Stubs (broadcast tensors, very long edges): a tick under the producer and one above each consumer.
  const st = layout.stubs;
  ctx.setLineDash([3, 3]);
  ctx.beginPath();
  const stubLabels: number[] = [];
  for (let k = 0; k < st.edge.length; k++) {
    const q = 8 * k;
    const cx = st.points[q + 4];
    const cy = st.points[q + 5];
    if (cx >= x0 - 50 && cx <= x1 + 50 && cy >= y0 - 50 && cy <= y1 + 50) {
      ctx.moveTo(cx, cy);
      ctx.lineTo(st.points[q + 6], st.points[q + 7]);
      if (s > 0.9 && stubLabels.length < 300) stubLabels.push(k);
    }
    const px = st.points[q];
    const py = st.points[q + 1];
    if (px >= x0 - 50 && px <= x1 + 50 && py >= y0 - 50 && py <= y1 + 50) {
      ctx.moveTo(px, py);
      ctx.lineTo(st.points[q + 2], st.points[q + 3]);
    }
  }
  ctx.stroke();
  ctx.setLineDash([]);

  // Nodes.
  const visible = scene.query(x0, y0, x1, y1);
  const { x, y, w, h } = layout;
  const showText = s > 0.28;
  ctx.textBaseline = 'middle';
  for (const i of visible) {
    const left = x[i] - w[i] / 2;
    const top = y[i] - h[i] / 2;
    const kind = view.nodeKind[i];
    const color = theme.category[view.nodeCategory[i]] ?? theme.muted;
    const metric = marks.metric?.get(i);
    ctx.fillStyle = theme.background;
    ctx.fillRect(left, top, w[i], h[i]);
    ctx.globalAlpha = metric !== undefined ? 0.25 + 0.6 * metric : kind === ViewNodeKind.Op ? 0.22 : 0.12;
    ctx.fillStyle = metric !== undefined ? theme.error : color;
    ctx.fillRect(left, top, w[i], h[i]);
    ctx.globalAlpha = 1;
    ctx.fillStyle = color;
    ctx.fillRect(left, top, w[i], Math.min(4, h[i]));
    const selected = marks.selected === i;
    const match = marks.matches?.has(i);
    ctx.strokeStyle = selected ? theme.selection : match ? theme.match : theme.highContrast ? theme.border : color;
    ctx.lineWidth = (selected || match ? 2.5 : 1) / Math.min(1, s);
    if (kind === ViewNodeKind.Input || kind === ViewNodeKind.Output || kind === ViewNodeKind.OuterValue) {
      roundRect(ctx, left, top, w[i], h[i], Math.min(10, h[i] / 2));
      ctx.stroke();
    } else {
      ctx.strokeRect(left, top, w[i], h[i]);
    }
    if (view.nodeFlags[i] & ViewNodeFlags.HasSubgraph) {
      ctx.strokeRect(left + 3, top + 3, w[i] - 6, h[i] - 6);
    }
    const sev = marks.severity?.get(i);
    if (sev) {
      ctx.fillStyle = sev >= 3 ? theme.error : sev === 2 ? theme.warning : theme.info;
      ctx.beginPath();
      ctx.arc(left + w[i] - 2, top + 2, 7 / Math.min(1, s), 0, Math.PI * 2);
      ctx.fill();
    }
    if (!showText) continue;
    const t = nodeText(view, i);
    ctx.fillStyle = theme.foreground;
    ctx.font = `600 ${FONT_TITLE}px ${theme.font}`;
    ctx.fillText(t.title, left + PAD_X, top + TITLE_H / 2 + 1, w[i] - 2 * PAD_X);
    if (s > 0.55) {
      ctx.font = `${FONT_DETAIL}px ${theme.font}`;
      let ly = top + TITLE_H + LINE_H / 2 - 2;
      if (t.sub) {
        ctx.fillStyle = theme.muted;
        ctx.fillText(t.sub, left + PAD_X, ly, w[i] - 2 * PAD_X);
        ly += LINE_H;
      }
      ctx.fillStyle = theme.foreground;
      for (const l of t.lines) {
        ctx.fillText(l, left + PAD_X, ly, w[i] - 2 * PAD_X);
        ly += LINE_H;
      }
    }
  }
  // Tensor labels on edges and stubs when zoomed in.
  if (labelled.length || stubLabels.length) {
    ctx.font = `${FONT_DETAIL - 1}px ${theme.font}`;
    ctx.fillStyle = theme.muted;
    for (const k of labelled) {
      const e = r.edge[k];
      const label = str(view, view.tensorLabel[view.edgeTensor[e]]);
      if (!label) continue;
      const p0 = r.offsets[k];
      ctx.fillText(label, r.points[2 * p0] + 4, r.points[2 * p0 + 1] + 10);
    }
    for (const k of stubLabels) {
      const e = st.edge[k];
      ctx.fillText(`↓ ${str(view, view.tensorName[view.edgeTensor[e]])}`, st.points[8 * k + 4] + 4, st.points[8 * k + 5] + 2);
    }
  }
  ctx.restore();
  return visible.length;
}

function roundRect(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, r: number): void {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}

/**
 * The minimap: every node as a dot, drawn once per layout into an offscreen canvas at most `size` px a side. A
 * graph far taller than wide (a decoder: thousands of layers) would make a uniformly scaled minimap a sliver one
 * pixel wide, so each side is at least 48 px: the two axes then have their own scale (`sx`, `sy`).
 */
export function drawMinimap(scene: Scene, theme: Theme, size: number): { canvas: HTMLCanvasElement; sx: number; sy: number } {
  const { layout, view } = scene;
  const width = Math.max(1, layout.width);
  const height = Math.max(1, layout.height);
  const uniform = Math.min(size / width, size / height);
  const side = Math.min(size, 48);
  const sx = Math.max(uniform, side / width);
  const sy = Math.max(uniform, side / height);
  const c = document.createElement('canvas');
  c.width = Math.max(1, Math.ceil(layout.width * sx));
  c.height = Math.max(1, Math.ceil(layout.height * sy));
  const ctx = c.getContext('2d')!;
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, c.width, c.height);
  for (let i = 0; i < view.nodeCount; i++) {
    ctx.fillStyle = theme.category[view.nodeCategory[i]] ?? theme.muted;
    ctx.fillRect((layout.x[i] - layout.w[i] / 2) * sx, (layout.y[i] - layout.h[i] / 2) * sy, Math.max(1, layout.w[i] * sx), Math.max(1, layout.h[i] * sy));
  }
  return { canvas: c, sx, sy };
}

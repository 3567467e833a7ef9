/** Export of the whole graph view as SVG (text escaped, never raw) or PNG. */
import { FONT_DETAIL, FONT_TITLE, LINE_H, PAD_X, TITLE_H, type Scene, nodeText } from './scene';
import type { Theme } from './theme';
import { drawScene } from './render';

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export function sceneToSvg(scene: Scene, theme: Theme): string {
  const { layout, view } = scene;
  const out: string[] = [];
  const W = Math.ceil(layout.width);
  const H = Math.ceil(layout.height);
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${escapeXml(theme.font)}">`,
    `<rect width="100%" height="100%" fill="${escapeXml(theme.background)}"/>`,
    `<g fill="none" stroke="${escapeXml(theme.edge)}" stroke-width="1.2">`,
  );
  const r = layout.edges;
  for (let k = 0; k < r.edge.length; k++) {
    const pts: string[] = [];
    for (let p = r.offsets[k]; p < r.offsets[k + 1]; p++) pts.push(`${r.points[2 * p].toFixed(1)},${r.points[2 * p + 1].toFixed(1)}`);
    out.push(`<polyline points="${pts.join(' ')}"/>`);
  }
  const st = layout.stubs;
  for (let k = 0; k < st.edge.length; k++) {
    const q = 8 * k;
    out.push(
      `<path stroke-dasharray="3 3" d="M${st.points[q]} ${st.points[q + 1]}L${st.points[q + 2]} ${st.points[q + 3]}M${st.points[q + 4]} ${st.points[q + 5]}L${st.points[q + 6]} ${st.points[q + 7]}"/>`,
    );
  }
  out.push('</g>');
  for (let i = 0; i < view.nodeCount; i++) {
    const left = layout.x[i] - layout.w[i] / 2;
    const top = layout.y[i] - layout.h[i] / 2;
    const color = escapeXml(theme.category[view.nodeCategory[i]] ?? theme.muted);
    const t = nodeText(view, i);
    out.push(
      `<g class="node" data-index="${i}"><rect x="${left.toFixed(1)}" y="${top.toFixed(1)}" width="${layout.w[i].toFixed(1)}" height="${layout.h[i].toFixed(1)}" fill="${color}" fill-opacity="0.2" stroke="${color}"/>`,
      `<text x="${(left + PAD_X).toFixed(1)}" y="${(top + TITLE_H / 2 + 4).toFixed(1)}" font-size="${FONT_TITLE}" font-weight="600" fill="${escapeXml(theme.foreground)}">${escapeXml(t.title)}</text>`,
    );
    let ly = top + TITLE_H + LINE_H / 2 + 2;
    for (const line of [t.sub, ...t.lines].filter((l) => l)) {
      out.push(`<text x="${(left + PAD_X).toFixed(1)}" y="${ly.toFixed(1)}" font-size="${FONT_DETAIL}" fill="${escapeXml(theme.foreground)}">${escapeXml(line)}</text>`);
      ly += LINE_H;
    }
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n');
}

/** PNG of the whole graph, scaled down so that neither side exceeds the canvas limit. */
export function sceneToPng(scene: Scene, theme: Theme, maxSide = 8192): string {
  const { layout } = scene;
  const scale = Math.min(1, maxSide / Math.max(layout.width, layout.height));
  const c = document.createElement('canvas');
  c.width = Math.max(1, Math.ceil(layout.width * scale));
  c.height = Math.max(1, Math.ceil(layout.height * scale));
  const ctx = c.getContext('2d')!;
  drawScene(ctx, scene, { x: 0, y: 0, scale }, c.width, c.height, theme, {});
  return c.toDataURL('image/png');
}

/**
 * DOM helpers that only ever set text: model strings go through textContent, never innerHTML.
 * (netron#1329 was an XSS through a node name.)
 */
type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: { class?: string; text?: string; title?: string; attrs?: Record<string, string> },
  ...children: Child[]
): HTMLElementTagNameMap[K];
export function el(tag: string, props?: { class?: string; text?: string; title?: string; attrs?: Record<string, string> }, ...children: Child[]): HTMLElement;
export function el(tag: string, props: { class?: string; text?: string; title?: string; attrs?: Record<string, string> } = {}, ...children: Child[]): HTMLElement {
  const e = document.createElement(tag);
  if (props.class) e.className = props.class;
  if (props.text !== undefined) e.textContent = props.text;
  if (props.title) e.title = props.title;
  for (const [k, v] of Object.entries(props.attrs ?? {})) e.setAttribute(k, v);
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return e;
}

export function clear(e: Element): void {
  while (e.firstChild) e.removeChild(e.firstChild);
}

/** A two-column table of label/value text rows. */
export function table(rows: [string, string | Node][], cls = 'kv'): HTMLTableElement {
  const t = el('table', { class: cls });
  for (const [k, v] of rows) {
    const tr = el('tr', {}, el('th', { text: k }), el('td', {}, typeof v === 'string' ? document.createTextNode(v) : v));
    t.append(tr);
  }
  return t;
}

export function button(label: string, onClick: () => void, title?: string): HTMLElement {
  const b = el('vscode-button', { text: label, title, attrs: title ? { 'aria-label': title } : {} });
  b.addEventListener('click', onClick);
  return b;
}

/**
 * Running the layout in a Web Worker: the message protocol, the worker-side handler and a small
 * client for the UI thread. Results travel as transferables (their typed arrays' buffers move, no
 * copy). The worker validates every request before use and answers errors as messages.
 *
 * Worker script (bundle webview/layout/worker-entry.ts):   installLayoutWorker(self)
 * UI thread:   const client = new LayoutClient(new Worker(url));
 *              const { layout, summary } = await client.view(graph, 50_000);
 */
import { validateGraph } from './graph';
import { layoutGraph } from './layout';
import { summarize, type Summary, type SummaryOptions } from './summarize';
import type { LayoutGraph, LayoutOptions, LayoutResult } from './types';

export type LayoutRequest =
  | { type: 'layout'; id: number; graph: LayoutGraph; options?: Partial<LayoutOptions> }
  | {
      /** Lay out the graph, or its summary when it has more than maxNodes nodes. */
      type: 'view';
      id: number;
      graph: LayoutGraph;
      maxNodes: number;
      options?: Partial<LayoutOptions>;
      summary?: SummaryOptions;
    };

export type LayoutReply =
  | { type: 'layout'; id: number; layout: LayoutResult }
  /** summary is null when the graph was small enough to lay out whole. */
  | { type: 'view'; id: number; layout: LayoutResult; summary: Summary | null }
  | { type: 'error'; id: number; message: string };

/** Checks an incoming message; throws with what was expected and what was found. */
export function parseLayoutRequest(msg: unknown): LayoutRequest {
  if (!msg || typeof msg !== 'object') throw new TypeError(`layout worker: expected a request object, found ${msg === null ? 'null' : typeof msg}`);
  const r = msg as Record<string, unknown>;
  if (typeof r.id !== 'number' || !Number.isInteger(r.id)) throw new TypeError(`layout worker: request id must be an integer, found ${String(r.id)}`);
  if (r.type !== 'layout' && r.type !== 'view') {
    throw new TypeError(`layout worker: request type must be "layout" or "view", found ${JSON.stringify(r.type)}`);
  }
  validateGraph(r.graph as LayoutGraph);
  if (r.options !== undefined && (typeof r.options !== 'object' || r.options === null)) {
    throw new TypeError('layout worker: options must be an object of LayoutOptions fields');
  }
  if (r.type === 'view') {
    if (typeof r.maxNodes !== 'number' || !Number.isInteger(r.maxNodes) || r.maxNodes < 1) {
      throw new TypeError(`layout worker: maxNodes must be an integer >= 1, found ${String(r.maxNodes)}`);
    }
    if (r.summary !== undefined && (typeof r.summary !== 'object' || r.summary === null)) {
      throw new TypeError('layout worker: summary must be an object of SummaryOptions fields');
    }
  }
  return r as unknown as LayoutRequest;
}

/** Computes the reply to a request, and the buffers to transfer with it. Never throws. */
export function handleLayoutRequest(msg: unknown): { reply: LayoutReply; transfer: ArrayBuffer[] } {
  const id = msg && typeof msg === 'object' && typeof (msg as { id?: unknown }).id === 'number' ? (msg as { id: number }).id : -1;
  try {
    const req = parseLayoutRequest(msg);
    let reply: LayoutReply;
    if (req.type === 'layout') {
      reply = { type: 'layout', id: req.id, layout: layoutGraph(req.graph, req.options) };
    } else {
      const s = summarize(req.graph, req.maxNodes, req.summary);
      const layout = layoutGraph(s.graph, req.options);
      reply = { type: 'view', id: req.id, layout, summary: s.summarized ? s : null };
    }
    return { reply, transfer: transferablesOf(reply) };
  } catch (err) {
    return { reply: { type: 'error', id, message: err instanceof Error ? err.message : String(err) }, transfer: [] };
  }
}

/** The buffers of all typed arrays inside a value (plain objects and arrays), each once. */
export function transferablesOf(value: unknown): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const stack: unknown[] = [value];
  const seen = new Set<object>();
  while (stack.length) {
    const v = stack.pop();
    if (!v || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer && v.buffer.byteLength > 0) out.add(v.buffer);
      continue;
    }
    if (Array.isArray(v)) for (const x of v) stack.push(x);
    else for (const k of Object.keys(v)) stack.push((v as Record<string, unknown>)[k]);
  }
  return [...out];
}

/** What the worker needs from its global scope (DedicatedWorkerGlobalScope, or a MessagePort). */
export interface WorkerScopeLike {
  onmessage: ((ev: { data: unknown }) => void) | null;
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
}

export function installLayoutWorker(scope: WorkerScopeLike): void {
  scope.onmessage = (ev) => {
    const { reply, transfer } = handleLayoutRequest(ev.data);
    scope.postMessage(reply, transfer);
  };
}

/** What the client needs from a Worker (or a MessagePort). */
export interface WorkerLike {
  onmessage: ((ev: { data: unknown }) => void) | null;
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
}

type Pending = { resolve: (r: LayoutReply) => void; reject: (e: Error) => void };

/** UI-thread side: one promise per request, matched by id. */
export class LayoutClient {
  private nextId = 1;
  private pending = new Map<number, Pending>();

  constructor(private readonly worker: WorkerLike) {
    worker.onmessage = (ev) => {
      const r = ev.data as LayoutReply;
      if (!r || typeof r !== 'object' || typeof r.id !== 'number') return;
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.type === 'error') p.reject(new Error(r.message));
      else p.resolve(r);
    };
  }

  /** Lays out the whole graph. With transferInput the graph's buffers move to the worker (the caller loses them). */
  async layout(graph: LayoutGraph, options?: Partial<LayoutOptions>, transferInput = false): Promise<LayoutResult> {
    const r = await this.send({ type: 'layout', id: this.nextId++, graph, options }, transferInput ? transferablesOf(graph) : []);
    return (r as Extract<LayoutReply, { type: 'layout' }>).layout;
  }

  /** Lays out the graph, or its summary (with the note to show) when it has more than maxNodes nodes. */
  async view(
    graph: LayoutGraph,
    maxNodes: number,
    options?: Partial<LayoutOptions>,
    summary?: SummaryOptions,
    transferInput = false,
  ): Promise<{ layout: LayoutResult; summary: Summary | null }> {
    const r = await this.send({ type: 'view', id: this.nextId++, graph, maxNodes, options, summary }, transferInput ? transferablesOf(graph) : []);
    const v = r as Extract<LayoutReply, { type: 'view' }>;
    return { layout: v.layout, summary: v.summary };
  }

  /** Rejects every request still waiting (e.g. before terminating the worker). */
  cancelAll(reason = 'layout cancelled'): void {
    for (const p of this.pending.values()) p.reject(new Error(reason));
    this.pending.clear();
  }

  private send(req: LayoutRequest, transfer: ArrayBuffer[]): Promise<LayoutReply> {
    return new Promise((resolve, reject) => {
      this.pending.set(req.id, { resolve, reject });
      try {
        this.worker.postMessage(req, transfer);
      } catch (err) {
        this.pending.delete(req.id);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }
}

/**
 * A WorkerLike that answers on this thread (asynchronously, after the current task): the fallback
 * when no Web Worker can be started. Same protocol and results, but the UI waits while it computes.
 */
export function createInlineWorker(): WorkerLike {
  const w: WorkerLike = {
    onmessage: null,
    postMessage(message: unknown) {
      setTimeout(() => {
        const { reply } = handleLayoutRequest(message);
        w.onmessage?.({ data: reply });
      }, 0);
    },
  };
  return w;
}

/**
 * Starts the layout worker from its bundled script (e.g. asWebviewUri(dist/layout-worker.js)).
 * A Worker's own script request bypasses the service worker that serves webview resources
 * (microsoft/vscode#315494), so the page fetches the script and starts it from a blob: URL; the
 * webview's CSP needs `worker-src blob:` and `connect-src <webview.cspSource>`. When that is not
 * possible, it returns createInlineWorker() and says why through onFallback.
 */
export async function startLayoutWorker(scriptUrl: string, onFallback?: (reason: string) => void): Promise<WorkerLike & { terminate?(): void }> {
  const g = globalThis as unknown as {
    Worker?: new (url: string) => WorkerLike & { terminate(): void };
    fetch?: (url: string) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;
    Blob?: new (parts: string[], opts: { type: string }) => unknown;
    URL?: { createObjectURL?(blob: unknown): string };
  };
  if (!g.Worker || !g.fetch || !g.Blob || !g.URL?.createObjectURL) {
    onFallback?.('Web Workers are not available here: the layout runs on the UI thread');
    return createInlineWorker();
  }
  try {
    const res = await g.fetch(scriptUrl);
    if (!res.ok) throw new Error(`fetching ${scriptUrl} answered HTTP ${res.status}`);
    const code = await res.text();
    return new g.Worker(g.URL.createObjectURL(new g.Blob([code], { type: 'text/javascript' })));
  } catch (err) {
    onFallback?.(
      `could not start the layout worker (${err instanceof Error ? err.message : String(err)}): the layout runs on the UI thread; ` +
        'check that the webview CSP allows worker-src blob: and connect-src for the extension resources',
    );
    return createInlineWorker();
  }
}

/**
 * Every message between the extension host and the graph webview, as discriminated unions both sides
 * import. The webview says `ready` before the host posts anything. Requests carry an id and get exactly one
 * `reply` with the same id. Messages from the webview are validated with `parseWebviewMessage` before use:
 * an unknown or malformed message is dropped and logged (vscode-hexeditor's shared/protocol.ts).
 *
 * Nothing here may import vscode, DOM or Node APIs: it is bundled into both sides.
 */
import type { GraphView, ModelView, NodeDetails, WeightDetails } from './view';

// ---------------------------------------------------------------- host -> webview

export type HostMessage =
  /** The model (no weights) and the main graph's view. */
  | { type: 'init'; model: ModelView; graph: GraphView }
  /** A graph to show (after `openGraph`, or the main graph again after an edit). */
  | { type: 'graph'; graph: GraphView }
  /** Select and centre a node (deep link, Problems panel click, text view selection). */
  | { type: 'reveal'; graphId: number; nodeId: number }
  /** Diagnostics per node, replacing the previous set. */
  | { type: 'diagnostics'; items: NodeDiagnostic[] }
  /** Per-node error colouring after a layer-by-layer comparison (cleared with an empty list). */
  | { type: 'nodeMetrics'; items: NodeMetric[]; title: string }
  /** The reply to a request: exactly one of result / error. */
  | { type: 'reply'; id: number; result?: unknown; error?: string }
  /** Ask the view to export itself (the host's command palette entry). */
  | { type: 'exportView'; format: 'svg' | 'png' }
  /** Focus the search box, optionally with a query. */
  | { type: 'search'; query?: string }
  /** The file could not be opened as a model: the view shows this text instead of a graph. */
  | { type: 'error'; message: string };

export interface NodeDiagnostic {
  graphId: number;
  nodeId: number;
  severity: 'error' | 'warning' | 'info' | 'hint';
  code: string;
  message: string;
  /** Quick fixes the host can apply: [id, label]. */
  fixes?: { id: string; label: string }[];
}

export interface NodeMetric {
  graphId: number;
  nodeId: number;
  /** 0 (agrees) .. 1 (worst); drives the colour. */
  score: number;
  text: string;
}

// ---------------------------------------------------------------- webview -> host

export type Request =
  | { method: 'openGraph'; params: { graphId: number } }
  | { method: 'nodeDetails'; params: { graphId: number; nodeId: number } }
  | { method: 'weight'; params: { graphId: number; name: string } }
  | { method: 'applyFix'; params: { graphId: number; nodeId: number; fixId: string } }
  | { method: 'nodeAction'; params: { graphId: number; nodeId: number; action: string } };

export type RequestResult = {
  openGraph: GraphView;
  nodeDetails: NodeDetails;
  weight: WeightDetails;
  applyFix: { applied: boolean; message: string };
  nodeAction: { done: boolean; message: string };
};

export type WebviewMessage =
  | { type: 'ready' }
  | ({ type: 'request'; id: number } & Request)
  /** The user selected a node (kept in step with the text view). */
  | { type: 'selected'; graphId: number; nodeId: number | null }
  /** An exported image for the host to save: SVG text or a PNG data URL. */
  | { type: 'exported'; format: 'svg' | 'png'; data: string }
  /** Timing marks for the open benchmark and E2E tests. */
  | { type: 'painted'; graphId: number; nodeCount: number; layoutMs: number; totalMs: number }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isStr = (v: unknown, max = 1 << 20): v is string => typeof v === 'string' && v.length <= max;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function validRequest(m: Record<string, unknown>): boolean {
  const p = m.params;
  if (!isInt(m.id) || !isObj(p)) return false;
  switch (m.method) {
    case 'openGraph':
      return isInt(p.graphId);
    case 'nodeDetails':
      return isInt(p.graphId) && isInt(p.nodeId);
    case 'weight':
      return isInt(p.graphId) && isStr(p.name, 65536);
    case 'applyFix':
      return isInt(p.graphId) && isInt(p.nodeId) && isStr(p.fixId, 256);
    case 'nodeAction':
      return isInt(p.graphId) && isInt(p.nodeId) && isStr(p.action, 256);
    default:
      return false;
  }
}

/**
 * Validates a message from the webview. Returns it typed, or a reason it was rejected (for the log).
 * Only the fields the union declares are trusted; a message with the wrong shape is rejected whole.
 */
export function parseWebviewMessage(raw: unknown): { ok: true; message: WebviewMessage } | { ok: false; reason: string } {
  if (!isObj(raw)) return { ok: false, reason: 'not an object' };
  const m = raw;
  const ok = (() => {
    switch (m.type) {
      case 'ready':
        return true;
      case 'request':
        return validRequest(m);
      case 'selected':
        return isInt(m.graphId) && (m.nodeId === null || isInt(m.nodeId));
      case 'exported':
        return (m.format === 'svg' || m.format === 'png') && isStr(m.data, 256 << 20);
      case 'painted':
        return isInt(m.graphId) && isInt(m.nodeCount) && typeof m.layoutMs === 'number' && typeof m.totalMs === 'number';
      case 'log':
        return (m.level === 'info' || m.level === 'warn' || m.level === 'error') && isStr(m.message, 65536);
      default:
        return false;
    }
  })();
  if (!ok) return { ok: false, reason: `malformed or unknown message type ${JSON.stringify(String(m.type)).slice(0, 80)}` };
  return { ok: true, message: m as unknown as WebviewMessage };
}

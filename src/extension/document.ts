/**
 * An open .onnx file. The host owns the model; views send intents and the document applies them as edits.
 * Every edit keeps the encoded bytes before and after, so undo restores the identical bytes and a backup
 * (hot exit) is just the current bytes.
 */
import * as vscode from 'vscode';
import { decodeModel, ModelDecodeError } from '../core/codec/decode';
import { encodeModel } from '../core/codec/encode';
import type { Graph, Model } from '../core/ir/model';
import { Disposable } from './dispose';
import { inferShapes, type InferenceResult } from '../core/infer';

/** Above this many nodes the view shows declared types only: inference would delay the first paint. */
const INFER_MAX_NODES = 100_000;

export interface ModelEdit {
  label: string;
  before: Uint8Array;
  after: Uint8Array;
}

export class OnnxDocument extends Disposable implements vscode.CustomDocument {
  static async open(uri: vscode.Uri, backupId: string | undefined): Promise<OnnxDocument> {
    const source = backupId ? vscode.Uri.parse(backupId) : uri;
    const bytes = await vscode.workspace.fs.readFile(source);
    return new OnnxDocument(uri, bytes);
  }

  private _bytes: Uint8Array;
  private _model: Model | undefined;
  private _error: string | undefined;
  private _inference: InferenceResult | undefined | null;
  private readonly edits: ModelEdit[] = [];
  private savedEdits = 0;

  private readonly _onDidChangeContent = this.register(new vscode.EventEmitter<{ reason: 'edit' | 'undo' | 'redo' | 'revert' }>());
  /** The model changed (edit, undo, redo, revert): views redraw. */
  readonly onDidChangeContent = this._onDidChangeContent.event;
  private readonly _onDidEdit = this.register(new vscode.EventEmitter<vscode.CustomDocumentEditEvent<OnnxDocument>>());
  /** For the provider: an undoable edit happened. */
  readonly onDidEdit = this._onDidEdit.event;
  private readonly _onDidDispose = this.register(new vscode.EventEmitter<void>());
  readonly onDidDispose = this._onDidDispose.event;

  private constructor(
    readonly uri: vscode.Uri,
    bytes: Uint8Array,
  ) {
    super();
    this._bytes = bytes;
    this.load(bytes);
  }

  private load(bytes: Uint8Array): void {
    this._bytes = bytes;
    this._inference = undefined;
    try {
      this._model = decodeModel(bytes, { path: this.uri.scheme === 'file' ? this.uri.fsPath : this.uri.toString() });
      this._error = undefined;
    } catch (e) {
      this._model = undefined;
      this._error = e instanceof ModelDecodeError ? e.message : `could not open the model: ${(e as Error).message ?? e}`;
    }
  }

  /** Shapes and types inferred for the current model (computed once per version; null when skipped or failed). */
  get inference(): InferenceResult | undefined {
    if (this._inference === undefined) {
      this._inference = null;
      const m = this._model;
      if (m) {
        let n = 0;
        for (const g of m.allGraphs()) n += g.nodes.length;
        if (n <= INFER_MAX_NODES) {
          try {
            this._inference = inferShapes(m);
          } catch {
            this._inference = null;
          }
        }
      }
    }
    return this._inference ?? undefined;
  }

  get bytes(): Uint8Array {
    return this._bytes;
  }
  get model(): Model | undefined {
    return this._model;
  }
  /** Why the file could not be opened as a model (shown in the view as text). */
  get error(): string | undefined {
    return this._error;
  }
  get fileName(): string {
    return this.uri.path.split('/').pop() ?? this.uri.path;
  }
  get isDirty(): boolean {
    return this.edits.length !== this.savedEdits;
  }

  graphById(id: number): Graph | undefined {
    return this._model?.allGraphs().find((g) => g.id === id);
  }

  /**
   * Records a change made to the model (by a pass) as one undoable edit. A change that leaves the bytes
   * as they were makes no edit.
   */
  commit(label: string, changed: Model): boolean {
    const after = encodeModel(changed);
    if (Buffer.compare(Buffer.from(after), Buffer.from(this._bytes)) === 0) return false;
    const edit: ModelEdit = { label, before: this._bytes, after };
    this.edits.push(edit);
    this.load(after);
    this._onDidChangeContent.fire({ reason: 'edit' });
    this._onDidEdit.fire({
      document: this,
      label,
      undo: () => {
        this.edits.pop();
        this.load(edit.before);
        this._onDidChangeContent.fire({ reason: 'undo' });
      },
      redo: () => {
        this.edits.push(edit);
        this.load(edit.after);
        this._onDidChangeContent.fire({ reason: 'redo' });
      },
    });
    return true;
  }

  /** A fresh, independent copy of the current model for a pass to change. */
  cloneModel(): Model {
    return decodeModel(this._bytes, { path: this._model?.path });
  }

  async save(cancellation?: vscode.CancellationToken): Promise<void> {
    await this.saveAs(this.uri, cancellation);
    this.savedEdits = this.edits.length;
  }

  async saveAs(target: vscode.Uri, _cancellation?: vscode.CancellationToken): Promise<void> {
    // Writes go through a temporary file + rename where the file system is local (see core/codec/atomic.ts).
    if (target.scheme === 'file') {
      const { writeFileAtomic } = await import('../core/codec/atomic');
      writeFileAtomic(target.fsPath, this._bytes);
    } else {
      await vscode.workspace.fs.writeFile(target, this._bytes);
    }
  }

  async revert(_cancellation?: vscode.CancellationToken): Promise<void> {
    const bytes = await vscode.workspace.fs.readFile(this.uri);
    this.edits.length = 0;
    this.savedEdits = 0;
    this.load(bytes);
    this._onDidChangeContent.fire({ reason: 'revert' });
  }

  async backup(destination: vscode.Uri, cancellation?: vscode.CancellationToken): Promise<vscode.CustomDocumentBackup> {
    await this.saveAs(destination, cancellation);
    return {
      id: destination.toString(),
      delete: async () => {
        try {
          await vscode.workspace.fs.delete(destination);
        } catch {
          /* already gone */
        }
      },
    };
  }

  override dispose(): void {
    this._onDidDispose.fire();
    super.dispose();
  }
}

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
import type { PassFile } from '../core/passes';
import type { EditCheck } from '../core/compare/edit-check';

/** Above this many nodes the view shows declared types only: inference would delay the first paint. */
const INFER_MAX_NODES = 100_000;

export interface ModelEdit {
  label: string;
  before: Uint8Array;
  after: Uint8Array;
  /** External data files the edit produced (external-data pass), written beside the model when it is saved. */
  files?: PassFile[];
  /** What onnxruntime said about the edit (filled in after the edit, when the check runs). */
  check?: EditCheck;
}

/** The saved state of a document restored from a backup: no edit of this session, so it is dirty until saved or reverted. */
const RESTORED_FROM_BACKUP: ModelEdit = { label: 'the file on disk (the document was restored from a backup)', before: new Uint8Array(0), after: new Uint8Array(0) };

export class OnnxDocument extends Disposable implements vscode.CustomDocument {
  static async open(uri: vscode.Uri, backupId: string | undefined): Promise<OnnxDocument> {
    const source = backupId ? vscode.Uri.parse(backupId) : uri;
    const bytes = await vscode.workspace.fs.readFile(source);
    const doc = new OnnxDocument(uri, bytes);
    // Restored from a hot-exit backup: the bytes are unsaved edits, not the file on disk. No state of this
    // session's edit stack is the saved one until a save or a revert (VS Code shows the tab dirty too).
    if (backupId) doc.savedAt = RESTORED_FROM_BACKUP;
    await doc.stampDisk();
    return doc;
  }

  private _bytes: Uint8Array;
  private _model: Model | undefined;
  private _error: string | undefined;
  private _inference: InferenceResult | undefined | null;
  private readonly edits: ModelEdit[] = [];
  /** The edit on top when the file was last saved or opened (undefined: none, the file as opened). */
  private savedAt: ModelEdit | undefined = undefined;

  private readonly _onDidChangeContent = this.register(new vscode.EventEmitter<{ reason: 'edit' | 'undo' | 'redo' | 'revert' }>());
  /** The model changed (edit, undo, redo, revert): views redraw. */
  readonly onDidChangeContent = this._onDidChangeContent.event;
  private readonly _onDidEdit = this.register(new vscode.EventEmitter<vscode.CustomDocumentEditEvent<OnnxDocument>>());
  /** For the provider: an undoable edit happened. */
  readonly onDidEdit = this._onDidEdit.event;
  private readonly _onDidSave = this.register(new vscode.EventEmitter<{ target: vscode.Uri; written: string[]; copied: string[]; notes: string[] }>());
  /** A save wrote the model (and these external data files). */
  readonly onDidSave = this._onDidSave.event;
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
    return this.lastEdit !== this.savedAt;
  }

  graphById(id: number): Graph | undefined {
    return this._model?.allGraphs().find((g) => g.id === id);
  }

  /**
   * Records a change made to the model (by a pass) as one undoable edit. A change that leaves the bytes
   * as they were makes no edit.
   */
  commit(label: string, changed: Model, files?: PassFile[]): ModelEdit | undefined {
    const after = encodeModel(changed);
    if (Buffer.compare(Buffer.from(after), Buffer.from(this._bytes)) === 0 && !files?.length) return undefined;
    const edit: ModelEdit = { label, before: this._bytes, after, ...(files?.length ? { files } : {}) };
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
    return edit;
  }

  /** For the log: how many edits, which one was saved. */
  describeState(): string {
    return `${this.edits.length} edit(s), ${this.isDirty ? 'dirty' : 'clean'}, saved at ${this.savedAt ? `'${this.savedAt.label}'` : 'the opened file'}`;
  }

  /** The edit that made the current bytes (undefined at the saved or opened state with no edits). */
  get lastEdit(): ModelEdit | undefined {
    return this.edits[this.edits.length - 1];
  }

  /** A fresh, independent copy of the current model for a pass to change. */
  cloneModel(): Model {
    return decodeModel(this._bytes, { path: this._model?.path });
  }

  /** mtime and size of the file as this document last read or wrote it (to notice changes made by others). */
  private diskStamp: { mtime: number; size: number } | undefined;

  private async stat(uri: vscode.Uri): Promise<{ mtime: number; size: number } | undefined> {
    try {
      const s = await vscode.workspace.fs.stat(uri);
      return { mtime: s.mtime, size: s.size };
    } catch {
      return undefined;
    }
  }

  /** Remembers the file on disk as it is now: what this document reads or wrote. */
  async stampDisk(): Promise<void> {
    this.diskStamp = await this.stat(this.uri);
  }

  /** True when the file on disk is no longer what this document read or wrote last. */
  async changedOnDisk(): Promise<boolean> {
    const now = await this.stat(this.uri);
    if (!now || !this.diskStamp) return false;
    return now.mtime !== this.diskStamp.mtime || now.size !== this.diskStamp.size;
  }

  private saving = 0;
  /** A save of this document is writing (changes on disk are its own). */
  get isSaving(): boolean {
    return this.saving > 0;
  }

  async save(cancellation?: vscode.CancellationToken): Promise<void> {
    this.saving++;
    try {
      await this.saveChecked(cancellation);
    } finally {
      this.saving--;
    }
  }

  private async saveChecked(cancellation?: vscode.CancellationToken): Promise<void> {
    if (await this.changedOnDisk()) {
      const choice = await vscode.window.showWarningMessage(
        `${this.fileName} was changed on disk after it was opened. Overwrite that change with your edits?`,
        { modal: true, detail: 'Cancel keeps your edits unsaved and the file on disk as it is; Revert File loads the version on disk.' },
        'Overwrite',
      );
      if (choice !== 'Overwrite') throw new Error(`${this.fileName} changed on disk: not saved, your edits are kept`);
    }
    await this.saveAs(this.uri, cancellation);
    this.savedAt = this.lastEdit;
    await this.stampDisk();
  }

  /** External data files produced by the edits up to now (the last one for each location wins). */
  pendingFiles(): PassFile[] {
    const byLocation = new Map<string, PassFile>();
    for (const e of this.edits) for (const f of e.files ?? []) byLocation.set(f.location, f);
    return [...byLocation.values()];
  }

  async saveAs(target: vscode.Uri, _cancellation?: vscode.CancellationToken): Promise<void> {
    const model = this._model;
    if (target.scheme === 'file' && model) {
      // Temporary file + flush + rename for the model and each external data file, external files first; the
      // weights travel with a Save As to another folder; nothing is written outside the target's folder.
      const { saveModel } = await import('../core/codec/save');
      const report = saveModel({
        bytes: this._bytes,
        model,
        ...(this.uri.scheme === 'file' ? { sourcePath: this.uri.fsPath } : {}),
        targetPath: target.fsPath,
        files: this.pendingFiles(),
      });
      this._onDidSave.fire({ target, written: report.written, copied: report.copied, notes: report.notes });
    } else if (target.scheme === 'file') {
      const { writeFileAtomic } = await import('../core/codec/atomic');
      writeFileAtomic(target.fsPath, this._bytes);
    } else {
      await vscode.workspace.fs.writeFile(target, this._bytes);
    }
  }

  async revert(_cancellation?: vscode.CancellationToken): Promise<void> {
    const bytes = await vscode.workspace.fs.readFile(this.uri);
    this.edits.length = 0;
    this.savedAt = undefined;
    this.load(bytes);
    await this.stampDisk();
    this._onDidChangeContent.fire({ reason: 'revert' });
  }

  async backup(destination: vscode.Uri, _cancellation?: vscode.CancellationToken): Promise<vscode.CustomDocumentBackup> {
    // The bytes only: a restored backup reads its external data beside the original file, which still holds it.
    if (destination.scheme === 'file') {
      const { writeFileAtomic } = await import('../core/codec/atomic');
      await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(destination, '..'));
      writeFileAtomic(destination.fsPath, this._bytes);
    } else {
      await vscode.workspace.fs.writeFile(destination, this._bytes);
    }
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

/**
 * The extension's one onnxruntime child process (src/runtime), configured from settings. Running a model
 * needs a trusted workspace: a model is code-like input to a native library.
 */
import * as vscode from 'vscode';
import { RuntimeClient } from '../runtime/client';
import type { LoadOptions } from '../runtime/protocol';

export class RuntimeService implements vscode.Disposable {
  private client: RuntimeClient | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('onnxLens.runtime')) void this.restart();
      }),
    );
  }

  private settings() {
    const c = vscode.workspace.getConfiguration('onnxLens.runtime');
    return {
      timeoutMs: Math.max(0, c.get<number>('timeLimitSeconds', 120)) * 1000,
      memoryLimitMb: Math.max(0, c.get<number>('memoryLimitMB', 0)),
      graphOptimizationLevel: c.get<LoadOptions['graphOptimizationLevel']>('graphOptimizationLevel', 'all'),
      intraOpNumThreads: c.get<number>('intraOpNumThreads', 0),
      executionProviders: c.get<string[]>('executionProviders', ['cpu']),
    };
  }

  /** Load options from settings, for the calls that load a model. */
  loadOptions(): LoadOptions {
    const s = this.settings();
    const o: LoadOptions = { graphOptimizationLevel: s.graphOptimizationLevel, executionProviders: s.executionProviders };
    if (s.intraOpNumThreads > 0) o.intraOpNumThreads = s.intraOpNumThreads;
    return o;
  }

  /** The client, started on first use. Throws when the workspace is not trusted. */
  get(): RuntimeClient {
    if (!vscode.workspace.isTrusted) {
      throw new Error('Running models in onnxruntime needs a trusted workspace: trust this folder to run, compare or benchmark.');
    }
    if (!this.client) {
      const s = this.settings();
      this.client = new RuntimeClient({
        childPath: vscode.Uri.joinPath(this.extensionUri, 'dist', 'runtime-child.js').fsPath,
        timeoutMs: s.timeoutMs,
        ...(s.memoryLimitMb ? { memoryLimitMb: s.memoryLimitMb } : {}),
        log: (line, stream) => (stream === 'stderr' ? this.log.warn(`onnxruntime: ${line}`) : this.log.info(`onnxruntime: ${line}`)),
      });
    }
    return this.client;
  }

  async cancel(): Promise<void> {
    await this.client?.cancel();
  }

  private async restart(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.dispose();
  }

  dispose(): void {
    void this.restart();
    this.subscriptions.forEach((d) => d.dispose());
  }
}

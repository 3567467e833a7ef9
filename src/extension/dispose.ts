/** One idiom for disposables across the extension (vscode-hexeditor's src/dispose.ts). */
import type * as vscode from 'vscode';

export function disposeAll(disposables: vscode.Disposable[]): void {
  while (disposables.length) {
    const d = disposables.pop();
    try {
      d?.dispose();
    } catch {
      /* keep disposing the rest */
    }
  }
}

export abstract class Disposable {
  private isDisposed = false;
  protected disposables: vscode.Disposable[] = [];

  public dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    disposeAll(this.disposables);
  }

  protected register<T extends vscode.Disposable>(value: T): T {
    if (this.isDisposed) value.dispose();
    else this.disposables.push(value);
    return value;
  }

  protected get disposed(): boolean {
    return this.isDisposed;
  }
}

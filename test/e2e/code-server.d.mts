// Types for code-server.mjs (kept in JavaScript so scripts/start.mjs can use it without a loader).

export const REPO_ROOT: string;
/** test-results/e2e under the repository root: logs and screenshots go here. */
export const RESULTS_DIR: string;
/** Environment variable that marks every process one run starts. */
export const TAG_VAR: string;
export const DEFAULT_SETTINGS: Record<string, unknown>;

export interface CodeServerOptions {
  /** Folder opened as the workspace. */
  workspace: string;
  /** Extension folders (each with package.json) linked into the extensions dir as <publisher>.<name>-<version>. */
  extensionPaths?: string[];
  /** Defaults to a fresh temporary folder (removed by stop()). */
  extensionsDir?: string;
  /** Defaults to a fresh temporary folder (removed by stop()). */
  userDataDir?: string;
  /** Merged over DEFAULT_SETTINGS into the user settings.json. */
  settings?: Record<string, unknown>;
  /** Where code-server's output goes; default test-results/e2e/code-server.log. */
  logFile?: string;
  /** On stop(), VS Code's own logs (extension host, window, server) are copied here. */
  logsDir?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port chosen by the OS (the bound port is read from code-server's output). */
  port?: number;
  /** Default 60 000 ms. */
  readyTimeoutMs?: number;
  /** Extra code-server command-line arguments. */
  extraArgs?: string[];
  /** Extra environment for code-server and everything it starts. */
  env?: Record<string, string>;
  /** Default: unique per call. */
  tag?: string;
  /** Default true: on SIGINT/SIGTERM/SIGHUP kill code-server at once (its own process group does not get
   *  the signal) and re-raise the signal if nothing else listens. Pass false to handle signals yourself. */
  handleSignals?: boolean;
  /** Keep the temporary folder after stop() (for debugging). */
  keepTmp?: boolean;
}

export interface CodeServer {
  /** http://127.0.0.1:<port>/ */
  url: string;
  /** url with ?folder=<workspace> */
  workspaceUrl: string;
  port: number;
  pid: number;
  tag: string;
  logFile: string;
  userDataDir: string;
  extensionsDir: string;
  extensions: { id: string; folder: string }[];
  /** Resolves when the code-server process exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Up to the first 64 KiB of its output. */
  output(): string;
  /** SIGTERM to the process group, SIGKILL after 5 s, then SIGKILL to any process still tagged. */
  stop(): Promise<void>;
  /** Immediate SIGKILL of the group and tagged processes (for exit handlers and hard timeouts). */
  stopSync(): void;
}

export function linkExtension(extensionsDir: string, extensionPath: string): { id: string; folder: string };
export function taggedPids(tag: string): number[];
export function killTagged(tag: string, signal?: NodeJS.Signals): number;
export function startCodeServer(opts: CodeServerOptions): Promise<CodeServer>;

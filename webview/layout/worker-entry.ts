/**
 * Entry point of the layout Web Worker (bundle it as its own browser script, e.g. dist/layout-worker.js).
 * All the logic is in ./worker so that it is testable in Node.
 */
import { installLayoutWorker, type WorkerScopeLike } from './worker';

installLayoutWorker(self as unknown as WorkerScopeLike);

/** Graph surgery: the pass contract, the registry, and the simplify entry point. See ./types.ts and ./registry.ts. */
export { PassError, type Pass, type PassArgs, type PassArgSpec, type PassArgType, type PassArgValue, type PassContext, type PassFile, type PassResult, type PassRuntime } from './types';
export { coerceArgs, getPass, listPasses, runPass } from './registry';
export { DEFAULT_SIZE_LIMIT, simplifyModel, type SimplifyOptions, type SimplifyReport } from './simplify';
export { findNode, findValue, nodeRef } from './lib/graph';
export { evaluateNode, evaluableOps } from './lib/evaluate';
export { passCallForFix, type PassCall } from './fixes';

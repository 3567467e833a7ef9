/**
 * The model's IR version against its opset imports (ONNX's VERSION_TABLE, data/ir-versions.ts) and the runtime:
 *
 *   ir-version-missing         no ir_version: error (runtimes refuse: the file does not say how to read it)
 *   ir-version-beyond-runtime  newer than runtimeFacts.maxIrVersion: error (onnxruntime 1.30: "Unsupported
 *                              model IR version: 14, max supported IR version: 13")
 *   ir-version-unknown         newer than the onnx.proto this tool was built with: warning
 *   ir-version-too-old         older than the IR its opsets shipped with (IR 3 with opset 13, which came with
 *                              IR 7): warning; onnxruntime loads it, but tools that go by the IR version
 *                              misread features (IR < 4 expects every initializer to be a graph input)
 */
import { domainDisplayName, normalizeDomain } from '../../schema/index';
import { irRequirement, NEWEST_KNOWN_IR_VERSION } from '../data/ir-versions';
import { ALL_PROFILES, type Rule } from '../types';

export const irVersionRule: Rule = {
  id: 'ir-version',
  description: 'IR version missing, newer than the runtime supports, or too old for the opsets the model imports',
  profiles: ALL_PROFILES,
  codes: ['ir-version-missing', 'ir-version-beyond-runtime', 'ir-version-unknown', 'ir-version-too-old'],
  run(ctx) {
    const g = ctx.model.graph;
    const ir = ctx.model.irVersion;
    if (ir === undefined || ir <= 0) {
      ctx.report({
        code: 'ir-version-missing', severity: 'error', graph: g,
        message: `the model has no ir_version (found ${ir ?? 'none'}); runtimes refuse such files: set ir_version to the IR version the exporter wrote (${suggested(ctx) ?? 'e.g. 8'})`,
      });
      return;
    }
    const maxRt = ctx.runtime.maxIrVersion;
    if (maxRt !== undefined && ir > maxRt) {
      const need = suggested(ctx);
      const todo = need !== undefined && need > maxRt
        ? `its opsets need IR ${need} or newer, so convert it to older opsets as well, or upgrade the runtime`
        : `save it with ir_version ${maxRt} if it uses no newer IR feature, or upgrade the runtime`;
      ctx.report({
        code: 'ir-version-beyond-runtime', severity: 'error', graph: g,
        message: `the model has IR version ${ir}, but ${ctx.runtime.name ?? 'the installed onnxruntime'} loads up to IR ${maxRt} and will refuse it: ${todo}`,
      });
    } else if (ir > NEWEST_KNOWN_IR_VERSION) {
      ctx.report({
        code: 'ir-version-unknown', severity: 'warning', graph: g,
        message: `the model has IR version ${ir}, newer than ONNX Lens knows (${NEWEST_KNOWN_IR_VERSION}): fields added since may be kept but not understood`,
      });
    }
    let worst: { domain: string; version: number; minIr: number; release: string; beyond: boolean } | undefined;
    for (const o of ctx.model.opsetImports) {
      const d = normalizeDomain(o.domain);
      const req = irRequirement(d, o.version);
      if (!req || ir >= req.minIr) continue;
      if (!worst || req.minIr > worst.minIr) worst = { domain: d, version: o.version, minIr: req.minIr, release: req.release, beyond: req.beyondTable };
    }
    if (worst) {
      const dn = domainDisplayName(worst.domain);
      ctx.report({
        code: 'ir-version-too-old', severity: 'warning', graph: g,
        message: `the model has IR version ${ir}, but ${dn} opset ${worst.version} ${worst.beyond ? `is newer than ONNX ${worst.release}, which already needed` : `came with ONNX ${worst.release} and`} IR ${worst.minIr}: ` +
          `tools that go by the IR version may misread the file${ir < 4 ? ' (IR 3 expects every initializer to be listed as a graph input)' : ''}. ` +
          `Set ir_version to ${worst.minIr}`,
      });
    }
  },
};

function suggested(ctx: { model: { opsetImports: { domain: string; version: number }[] } }): number | undefined {
  let best: number | undefined;
  for (const o of ctx.model.opsetImports) {
    const r = irRequirement(normalizeDomain(o.domain), o.version);
    if (r && (best === undefined || r.minIr > best)) best = r.minIr;
  }
  return best;
}

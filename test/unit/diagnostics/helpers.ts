// Helpers for the diagnostics tests: models built in code (through the real codec), and short views of results.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { onnx } from '../../../src/core/codec/pb';
import { decodeModel } from '../../../src/core/codec/decode';
import type { Model } from '../../../src/core/ir/model';
import { runDiagnostics, RULES } from '../../../src/core/diagnostics/index';
import type { Diagnostic, DiagnosticOptions } from '../../../src/core/diagnostics/types';
import { buildModel, type ModelSpec } from '../../helpers/build';

export const REPO = join(__dirname, '..', '..', '..');
export const MODELS = join(REPO, 'test', 'fixtures', 'models');
export const BACKEND = join(REPO, 'test', 'fixtures', 'onnx-backend-node');

/** Every diagnostic's code must be one its rule declares: checked on everything the tests produce. */
export function checkDeclared(list: readonly Diagnostic[]): void {
  for (const d of list) {
    const rule = RULES.find((r) => r.id === d.rule);
    assert.ok(rule, `diagnostic ${d.code} names no rule (${d.rule})`);
    assert.ok(rule.codes.includes(d.code), `rule ${rule.id} reported ${d.code}, which it does not declare`);
    assert.ok(d.message.length > 20, `message too short: ${d.message}`);
  }
}

export function diagnose(model: Model, options: DiagnosticOptions = {}): Diagnostic[] {
  const list = runDiagnostics(model, options);
  checkDeclared(list);
  return list;
}

/** Diagnostics of a model built from a spec. */
export function check(spec: ModelSpec, options: DiagnosticOptions = {}): Diagnostic[] {
  return diagnose(buildModel(spec), options);
}

/** A model from a raw ModelProto (for what the builder cannot express: sequence types, broken tensors). */
export function rawModel(proto: onnx.ModelProto.$Properties): Model {
  return decodeModel(onnx.ModelProto.encode(proto).finish(), { path: 'raw-test.onnx' });
}

/** "severity code @location" per diagnostic: compact for deepEqual. */
export function summary(list: readonly Diagnostic[]): string[] {
  return list.map((d) => `${d.severity} ${d.code} @${d.node ? d.node.label : d.tensor ?? d.graph.path}`);
}

export function withCode(list: readonly Diagnostic[], code: string): Diagnostic[] {
  return list.filter((d) => d.code === code);
}

/** The only diagnostic of that code (fails when there are none or several). */
export function one(list: readonly Diagnostic[], code: string): Diagnostic {
  const found = withCode(list, code);
  assert.equal(found.length, 1, `expected one ${code}, got ${found.length}: ${JSON.stringify(summary(list))}`);
  return found[0];
}

export function none(list: readonly Diagnostic[], code: string): void {
  assert.deepEqual(summary(withCode(list, code)), [], `expected no ${code}`);
}

// Every quick fix the diagnostics offer on the sample models, applied through its pass on a fresh copy (as the
// editor does): the pass changes the model and the finding it fixes is gone afterwards, or it refuses with a
// reason. A fix that silently does nothing would fail here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { runDiagnostics } from '../../../src/core/diagnostics';
import { passCallForFix, runPass, PassError } from '../../../src/core/passes';
import { nodeRef } from '../../../src/core/passes/lib/graph';
import { copyOf, loadSample, MODELS } from './helpers';

const samples = [...readdirSync(MODELS).filter((n) => !n.endsWith('.md') && !['decoder_48', 'bert_tiny'].includes(n)), 'generated/resnet18_preserve'];

test('each quick fix on the sample models removes its finding (or refuses with a reason)', async () => {
  const rows = new Map<string, { first: string; n: number }>();
  let applied = 0;
  for (const name of samples) {
    const model = loadSample(name);
    for (const profile of ['default', 'tensorrt'] as const) {
      const found = runDiagnostics(model, { profile });
      for (const d of found) {
        for (const fix of d.fixes ?? []) {
          const call = passCallForFix(d, fix);
          const copy = copyOf(model);
          let outcome: string;
          try {
            const r = await runPass(call.pass, copy, call.args);
            assert.ok(r.modified, `${name}: ${fix.label} (${call.pass}) changed nothing: ${r.summary}`);
            const where = d.node ? nodeRef(d.node) : undefined;
            const still = runDiagnostics(copy, { profile }).filter(
              (x) => x.code === d.code && (x.node ? nodeRef(x.node) : undefined) === where && x.tensor === d.tensor && x.node?.opType === d.node?.opType,
            );
            assert.equal(still.length, 0, `${name}: after '${fix.label}' (${call.pass}) the finding ${d.code} is still there: ${still[0]?.message}`);
            applied++;
            outcome = `applied: ${r.summary}`;
          } catch (e) {
            if (!(e instanceof PassError)) throw e;
            assert.ok(e.message.length > 20, `a refusal says why: '${e.message}'`);
            outcome = `refused: ${e.message}`;
          }
          const key = `${name} [${profile}] ${d.code} -> ${call.pass}`;
          const row = rows.get(key) ?? { first: `${fix.label} ${JSON.stringify(call.args)}: ${outcome}`, n: 0 };
          row.n++;
          rows.set(key, row);
        }
      }
    }
  }
  for (const [k, r] of rows) console.log(`${k} (${r.n}x), e.g. ${r.first}`);
  assert.ok(applied >= 6, `only ${applied} fixes applied on the samples`);
});

test('a fix on a node of a subgraph or an unnamed node is addressed by its position', () => {
  const model = loadSample('const_if');
  const ifNode = model.graph.nodes.find((n) => n.opType === 'If')!;
  const call = passCallForFix({ node: ifNode, graph: model.graph }, { id: 'remove-node', args: { node: ifNode.label }, label: 'remove' });
  assert.equal(call.pass, 'remove-node');
  assert.equal(call.args.node, nodeRef(ifNode));
  assert.throws(() => passCallForFix({ graph: model.graph }, { id: 'raise-opset', args: { domain: 'custom', version: 2 }, label: 'x' }), /only ai\.onnx/);
});

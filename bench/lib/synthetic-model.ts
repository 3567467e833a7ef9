/**
 * Synthetic decoder-like ONNX models of any size for the scale benchmarks: pre-norm blocks (LayerNorm as
 * ReduceMean/Sub/Pow/Sqrt/Div), attention reading one shared mask (a broadcast tensor every block reads),
 * and an MLP with Erf GELU. About 24 nodes a block. Weights are tiny shared initializers: node count is
 * what the view is measured on.
 */
import { onnx } from '../../src/core/codec/pb';

export function syntheticDecoder(targetNodes: number): Uint8Array {
  const nodes: onnx.NodeProto.$Properties[] = [];
  const f32 = (name: string, dims: number[]): onnx.TensorProto.$Properties => ({
    name, dims, dataType: 1, rawData: new Uint8Array(4 * dims.reduce((a, b) => a * b, 1)),
  });
  const init = [f32('w_q', [16, 16]), f32('w_k', [16, 16]), f32('w_v', [16, 16]), f32('w_o', [16, 16]), f32('w_1', [16, 64]), f32('w_2', [64, 16]), f32('two', []), f32('eps', []), f32('half', []), f32('one', []), f32('sqrt2', [])];
  let x = 'x';
  let b = 0;
  const n = (op: string, inputs: string[], name: string) => {
    const out = `${name}_out`;
    nodes.push({ opType: op, input: inputs, output: [out], name });
    return out;
  };
  nodes.push({ opType: 'Constant', input: [], output: ['mask'], name: 'mask', attribute: [{ name: 'value', type: 4, t: f32('mask_value', [1, 1]) }] });
  while (nodes.length < targetNodes) {
    const p = `/blocks.${b}`;
    const mean = n('ReduceMean', [x], `${p}/ln/mean`);
    const d = n('Sub', [x, mean], `${p}/ln/sub`);
    const sq = n('Pow', [d, 'two'], `${p}/ln/pow`);
    const v = n('ReduceMean', [sq], `${p}/ln/var`);
    const ve = n('Add', [v, 'eps'], `${p}/ln/add`);
    const sd = n('Sqrt', [ve], `${p}/ln/sqrt`);
    const h = n('Div', [d, sd], `${p}/ln/div`);
    const q = n('MatMul', [h, 'w_q'], `${p}/attn/q`);
    const k = n('MatMul', [h, 'w_k'], `${p}/attn/k`);
    const vv = n('MatMul', [h, 'w_v'], `${p}/attn/v`);
    const kt = n('Transpose', [k], `${p}/attn/kt`);
    const s = n('MatMul', [q, kt], `${p}/attn/scores`);
    const sm = n('Add', [s, 'mask'], `${p}/attn/mask`);
    const a = n('Softmax', [sm], `${p}/attn/softmax`);
    const av = n('MatMul', [a, vv], `${p}/attn/av`);
    const o = n('MatMul', [av, 'w_o'], `${p}/attn/o`);
    const r1 = n('Add', [x, o], `${p}/res1`);
    const m1 = n('MatMul', [r1, 'w_1'], `${p}/mlp/fc1`);
    const g1 = n('Div', [m1, 'sqrt2'], `${p}/mlp/div`);
    const g2 = n('Erf', [g1], `${p}/mlp/erf`);
    const g3 = n('Add', [g2, 'one'], `${p}/mlp/add`);
    const g4 = n('Mul', [m1, g3], `${p}/mlp/mul`);
    const g5 = n('Mul', [g4, 'half'], `${p}/mlp/half`);
    const m2 = n('MatMul', [g5, 'w_2'], `${p}/mlp/fc2`);
    x = n('Add', [r1, m2], `${p}/res2`);
    b++;
  }
  const graph: onnx.GraphProto.$Properties = {
    name: `synthetic_decoder_${b}`,
    node: nodes,
    initializer: init,
    input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'seq' }, { dimValue: 16 }] } } } }],
    output: [{ name: x, type: { tensorType: { elemType: 1 } } }],
  };
  return onnx.ModelProto.encode({ irVersion: 8, producerName: 'onnx-lens-bench', opsetImport: [{ domain: '', version: 17 }], graph }).finish();
}

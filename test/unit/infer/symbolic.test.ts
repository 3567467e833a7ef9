import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalDim, dimAdd, dimCeilDiv, dimDivExact, dimEqual, dimFloorDiv, dimMul, dimProduct, dimsDiffer, dimSub,
  dimSymbols, evaluateDim, formatDims,
} from '../../../src/core/infer/index';

test('canonical form: sorted terms, symbols before their coefficient, constant last', () => {
  assert.equal(canonicalDim('batch'), 'batch');
  assert.equal(canonicalDim('3*batch'), 'batch*3');
  assert.equal(canonicalDim('1 + seq'), 'seq+1');
  assert.equal(canonicalDim('seq*batch'), 'batch*seq');
  assert.equal(canonicalDim('b*a*2 - 1 + a*b'), 'a*b*3-1');
  assert.equal(dimSub(dimAdd('seq', 4), 'seq'), 4, 'arithmetic that cancels the symbols gives a number');
  assert.equal(canonicalDim('-x + 2'), '-x+2');
  assert.equal(canonicalDim('(a+1)*(a-1)'), 'a*a-1');
  assert.equal(canonicalDim(7), 7);
  assert.equal(canonicalDim(null), null);
});

test('dim_params that are not expressions stay opaque names, including numbers written as names', () => {
  assert.equal(canonicalDim('N x C'), 'N x C');
  assert.equal(canonicalDim('2'), '2', 'the author wrote a name');
  assert.equal(canonicalDim('p2o.DynamicDimension.0'), 'p2o.DynamicDimension.0');
  assert.equal(dimMul('N x C', 2), '(N x C)*2');
  assert.equal(canonicalDim('(N x C)*2'), '(N x C)*2', 'the printed form parses back to itself');
  assert.deepEqual(dimSymbols(dimAdd('N x C', 'batch')), ['N x C', 'batch']);
});

test('arithmetic keeps symbols symbolic and folds numbers', () => {
  assert.equal(dimAdd('seq', 1), 'seq+1');
  assert.equal(dimSub(dimAdd('seq', 1), 'seq'), 1);
  assert.equal(dimMul('batch', 3), 'batch*3');
  assert.equal(dimMul(2, 'seq'), 'seq*2');
  assert.equal(dimMul('batch', 'seq'), 'batch*seq');
  assert.equal(dimMul('batch', 0), 0);
  assert.equal(dimMul(null, 0), 0, 'anything times 0 is 0');
  assert.equal(dimAdd(null, 1), null);
  assert.equal(dimProduct(['batch', 3, 'seq']), 'batch*seq*3');
  assert.equal(dimProduct([]), 1);
  assert.equal(dimProduct(['batch', null]), null);
});

test('division is exact when it can be; floor division keeps the rest as a // atom', () => {
  assert.equal(dimDivExact('batch*6', 3), 'batch*2');
  assert.equal(dimDivExact('batch*seq*64', 'batch*64'), 'seq');
  assert.equal(dimDivExact('batch*seq', 'seq'), 'batch');
  assert.equal(dimDivExact('batch', 2), null);
  assert.equal(dimDivExact(7, 2), null);
  assert.equal(dimFloorDiv('H*2+3', 2), 'H+1');
  assert.equal(dimFloorDiv('H-1', 2), '((H+1)//2)-1', 'non-identifier atoms are parenthesized inside sums');
  assert.equal(dimAdd(dimFloorDiv('H-1', 2), 1), '(H+1)//2', 'the conv output formula for stride 2');
  assert.equal(dimFloorDiv('H', 2), 'H//2');
  assert.equal(canonicalDim('(H+1)//2'), '(H+1)//2');
  assert.equal(canonicalDim('((H+1)//2)*3'), '((H+1)//2)*3');
  assert.equal(dimCeilDiv('L-1', 2), 'L//2');
  assert.equal(dimCeilDiv(9, 2), 5);
  assert.equal(dimFloorDiv('a', 'b'), null, 'a symbol that does not divide');
});

test('equality treats the same expression as equal; only provably different dims differ', () => {
  assert.ok(dimEqual('seq+1', '1+seq'));
  assert.ok(dimEqual('batch*3', '3*batch'));
  assert.ok(!dimEqual('batch', 'seq'));
  assert.ok(!dimEqual(null, null), 'unknown equals nothing');
  assert.ok(!dimEqual('batch', 3));
  assert.ok(dimsDiffer(2, 3));
  assert.ok(dimsDiffer('seq+1', 'seq'));
  assert.ok(!dimsDiffer('batch', 'seq'), 'unrelated symbols may be equal');
  assert.ok(!dimsDiffer('batch', 3));
  assert.ok(!dimsDiffer(null, 3));
});

test('evaluateDim substitutes bindings, floor atoms included', () => {
  assert.equal(evaluateDim('batch*seq*4-1', { batch: 2, seq: 5 }), 39);
  assert.equal(evaluateDim('(H+1)//2', new Map([['H', 9]])), 5);
  assert.equal(evaluateDim(dimAdd(dimFloorDiv('H-1', 2), 1), { H: 10 }), 5);
  assert.equal(evaluateDim('batch', {}), null);
  assert.equal(evaluateDim(4, {}), 4);
  assert.equal(evaluateDim(null, {}), null);
  assert.equal(formatDims(['batch', 3, null]), '[batch,3,?]');
  assert.equal(formatDims(undefined), '[?]');
});

test('dimSymbols names what a dim depends on', () => {
  assert.deepEqual(dimSymbols('batch*seq+1'), ['batch', 'seq']);
  assert.deepEqual(dimSymbols('(H+1)//2'), ['H']);
  assert.deepEqual(dimSymbols(3), []);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inert } from '../../../src/extension/inert';

test('icon and link syntax from a model loses its meaning, not its characters', () => {
  const evil = "node $(bug) [run me](command:workbench.action.quit) x";
  const out = inert(evil);
  assert.doesNotMatch(out, /\$\(/);
  assert.doesNotMatch(out, /\]\(/);
  assert.equal(out.replace(/\u200b/g, ''), evil);
  assert.equal(inert('/conv1/Conv'), '/conv1/Conv');
});

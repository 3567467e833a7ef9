// Timeouts, cancel() and AbortSignal: a run cannot be interrupted inside onnxruntime, so stopping one means
// killing the child; requests not yet started are dropped without that. Each case ends on a fresh child.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeClient } from '../../../src/runtime/client';
import { addMul, endlessLoop } from '../../fixtures/runtime/models';
import { assertRuntimeError, f32, timed, values, works } from './helpers';

test('a run over its timeout is killed and reported as timeout within limit + 1 s; requests queued behind it fail with it', async () => {
  const c = new RuntimeClient();
  try {
    const s = await c.load({ modelBytes: endlessLoop() });
    const pid = c.pid;
    const limit = 1500;
    const run = timed(c.run(s.sessionId, [f32('x', [1], [0])], { timeoutMs: limit }));
    const queued = timed(c.info());
    const r = await run;
    assertRuntimeError(r.error, 'timeout', /request \d+ \(run\) did not finish within 1500 ms; the onnxruntime process \(pid \d+\) was stopped/);
    assert.ok(r.ms >= limit - 50 && r.ms < limit + 1000, `timed out after ${r.ms} ms`);
    assertRuntimeError((await queued).error, 'timeout', /request \d+ \(info\) was lost: request \d+ \(run\) did not finish/);
    assert.notEqual(await works(c), pid);
  } finally {
    await c.dispose();
  }
});

test('the timeout clock starts when a request reaches the head of the line, not when it is sent', async () => {
  const c = new RuntimeClient();
  try {
    const s = await c.load({ modelBytes: addMul() });
    const pid = c.pid;
    const n = 1 << 20;
    const big = [f32('a', [n], new Float32Array(n).fill(1)), f32('b', [n], new Float32Array(n).fill(2))];
    // Measure this machine first, so that the long request lasts over a second however fast it is:
    // double the runs until one bench takes 600 ms, then use twice that.
    let iterations = 25;
    for (;;) {
      const t0 = performance.now();
      await c.bench(s.sessionId, big, { warmup: 0, iterations, fetches: ['sum'], timeoutMs: 30_000 });
      if (performance.now() - t0 >= 600 || iterations >= 100_000) break;
      iterations *= 2;
    }
    iterations *= 2;
    // A long request first, then a quick one whose own limit is far shorter than its wait in the queue:
    // it must not time out, since its clock starts only when it begins. The machine's speed can change between
    // the measure and the test (a busy neighbour during the measure): a slow request that came out short is
    // made longer and the pair sent again.
    for (let attempt = 1; ; attempt++) {
      const slow = timed(c.bench(s.sessionId, big, { warmup: 0, iterations, fetches: ['sum'], timeoutMs: 60_000 }));
      const quick = timed(c.run(s.sessionId, [f32('a', [1], [1]), f32('b', [1], [2])], { timeoutMs: 200 }));
      const sl = await slow;
      const q = await quick;
      assert.equal(sl.error, undefined, String(sl.error));
      if (sl.ms <= 400 && attempt < 4) {
        iterations *= 4;
        continue;
      }
      assert.ok(sl.ms > 400, `the slow request (${iterations} runs) took only ${sl.ms} ms: make it longer for this test to mean anything`);
      assert.equal(q.error, undefined, String(q.error));
      // It waited behind the slow one for longer than its own 200 ms limit, and still did not time out.
      assert.ok(q.ms > 400 && q.ms >= sl.ms - 20, `the quick request took ${q.ms} ms, the slow one ${sl.ms} ms`);
      assert.deepEqual(values(q.value!.outputs[0]), [3]);
      break;
    }
    assert.equal(c.pid, pid);
  } finally {
    await c.dispose();
  }
});

test('cancel() stops a running request within 1 s; the next request works on a fresh child', async () => {
  const c = new RuntimeClient();
  try {
    const s = await c.load({ modelBytes: endlessLoop() });
    const pid = c.pid;
    const run = timed(c.run(s.sessionId, [f32('x', [1], [0])]));
    await new Promise((r) => setTimeout(r, 300));
    const cancel = await timed(c.cancel());
    assert.equal(cancel.error, undefined);
    assert.ok(cancel.ms < 1000, `cancel took ${cancel.ms} ms`);
    assertRuntimeError((await run).error, 'cancelled', /cancelled: the onnxruntime process \(pid \d+\) was stopped/);
    assert.notEqual(await works(c), pid);
    // With nothing pending, cancel() leaves the child and its sessions alone.
    const alive = c.pid;
    await c.cancel();
    assert.equal(c.pid, alive);
  } finally {
    await c.dispose();
  }
});

test('an AbortSignal drops a queued request without a restart, and kills the child for a running one', async () => {
  const c = new RuntimeClient();
  try {
    const loop = await c.load({ modelBytes: endlessLoop() });
    const quick = await c.load({ modelBytes: addMul() });
    const pid = c.pid;
    const runningCtl = new AbortController();
    const queuedCtl = new AbortController();
    const running = timed(c.run(loop.sessionId, [f32('x', [1], [0])], { signal: runningCtl.signal }));
    const queued = timed(c.run(quick.sessionId, [f32('a', [1], [1]), f32('b', [1], [1])], { signal: queuedCtl.signal }));
    await new Promise((r) => setTimeout(r, 200));
    queuedCtl.abort();
    const q = await queued;
    assertRuntimeError(q.error, 'cancelled', /was cancelled before it started/);
    assert.equal(c.pid, pid, 'dropping a queued request must not stop the child');
    const t0 = performance.now();
    runningCtl.abort();
    const r = await running;
    assert.ok(performance.now() - t0 < 1000);
    assertRuntimeError(r.error, 'cancelled', /request \d+ \(run\) was cancelled; the onnxruntime process \(pid \d+\) was stopped to interrupt it/);
    assert.notEqual(await works(c), pid);
    const pre = new AbortController();
    pre.abort();
    assertRuntimeError((await timed(c.info({ signal: pre.signal }))).error, 'cancelled', /before it was sent/);
  } finally {
    await c.dispose();
  }
});

test('aborting a request while the child is still starting forgets it without stopping the child', async () => {
  const c = new RuntimeClient();
  try {
    const ctl = new AbortController();
    const first = timed(c.info({ signal: ctl.signal }));
    const second = c.info();
    ctl.abort();
    assertRuntimeError((await first).error, 'cancelled', /request \d+ \(info\) was cancelled before it was sent/);
    assert.equal((await second).pid, c.pid);
    await works(c);
    assert.equal(c.childrenStarted, 1);
  } finally {
    await c.dispose();
  }
});

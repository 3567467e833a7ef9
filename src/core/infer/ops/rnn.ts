/**
 * Recurrent layers: LSTM, GRU, RNN. X is [seq, batch, input] (layout 0) or [batch, seq, input]
 * (layout 1, from opset 14). Outputs: Y [seq, dirs, batch, hidden] (layout 1: [batch, seq, dirs, hidden]),
 * Y_h (and LSTM's Y_c) [dirs, batch, hidden] (layout 1: [batch, dirs, hidden]). hidden_size comes from the
 * attribute, else from R's last dim; the direction count from `direction`, else from W's first dim.
 */
import { register, type OpContext } from '../registry';
import type { SymDim } from '../symbolic';

function recurrent(ctx: OpContext, nOut: number): void {
  const x = ctx.shape(0);
  const w = ctx.shape(1);
  const r = ctx.shape(2);
  const elem = ctx.elemType(0);
  const layout = ctx.since >= 14 ? ctx.int('layout', 0) : 0;
  const direction = ctx.str('direction', 'forward');
  const dirs: SymDim = direction === 'bidirectional' ? 2 : ctx.attr('direction') ? 1 : w ? w[0] : 1;
  const hidden: SymDim = ctx.int('hidden_size') ?? (r ? r[2] : null);
  const seq: SymDim = x ? x[layout ? 1 : 0] : null;
  const batch: SymDim = x ? x[layout ? 0 : 1] : null;
  // Before opset 7, Y is produced only with output_sequence=1; the output slot is still typed.
  ctx.setOutput(0, elem, layout ? [batch, seq, dirs, hidden] : [seq, dirs, batch, hidden]);
  for (let i = 1; i < nOut; i++) ctx.setOutput(i, elem, layout ? [batch, dirs, hidden] : [dirs, batch, hidden]);
}

register('LSTM', (ctx) => recurrent(ctx, 3));
register(['GRU', 'RNN'], (ctx) => recurrent(ctx, 2));

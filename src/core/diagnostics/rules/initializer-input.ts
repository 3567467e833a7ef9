/**
 * Initializers also listed as graph inputs (what exporters did before IR 4, and torch.onnx with
 * keep_initializers_as_inputs=True):
 *
 *   initializer-is-input  IR >= 4: info, one per graph. The values become defaults that callers may
 *                         override, so onnxruntime does not treat them as constants ("Initializer X appears
 *                         in graph inputs and will not be treated as constant value/weight"): no constant
 *                         folding through them, and tools show them as model inputs. Below IR 4 it is what the
 *                         IR requires: nothing to report.
 */
import { ALL_PROFILES, type Rule } from '../types';
import { nameList } from './util';

export const initializerInputRule: Rule = {
  id: 'initializer-input',
  description: 'Initializers that are also graph inputs (overridable, so not folded as constants)',
  profiles: ALL_PROFILES,
  codes: ['initializer-is-input'],
  run(ctx) {
    const ir = ctx.model.irVersion ?? 0;
    if (ir < 4) return;
    for (const g of ctx.graphs) {
      const names = g.inputs.filter((i) => i.value.initializer).map((i) => i.value.name);
      if (!names.length) continue;
      ctx.report({
        code: 'initializer-is-input', severity: 'info', graph: g,
        message: `${names.length} initializer${names.length === 1 ? ' is' : 's are'} also listed as graph input${names.length === 1 ? '' : 's'} (${nameList(names)}): ` +
          'callers may override them, so runtimes do not fold them as constants and tools show them as inputs. ' +
          'Remove them from the graph inputs unless they are meant to be overridable (torch.onnx: keep_initializers_as_inputs=False)',
      });
    }
  },
};

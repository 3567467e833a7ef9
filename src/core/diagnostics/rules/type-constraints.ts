/**
 * Element types against the schema's type constraints, where the types are known (declared, or from shape
 * inference):
 *
 *   type-not-allowed  Sin on int32 ("Type 'tensor(int32)' of input parameter (x) of operator (Sin) ... is
 *                     invalid"): error
 *   type-mismatch     Add(float, double): type variable T bound to two types ("Type parameter (T) of
 *                     Optype (Add) bound to different types"): error
 *
 * Values of unknown type, sequences/optionals and heterogeneous variadic parameters are left alone.
 */
import { dtypeName } from '../../ir/dtype';
import type { Value } from '../../ir/model';
import { allowedElemTypes, formalInput, formalOutput, type FormalParameter, type OpSchema } from '../../schema/index';
import { ALL_PROFILES, type Rule, type RuleContext } from '../types';

export const typeConstraintsRule: Rule = {
  id: 'type-constraints',
  description: "Element types that a schema's type constraints do not allow, or one type variable bound to two types",
  profiles: ALL_PROFILES,
  codes: ['type-not-allowed', 'type-mismatch'],
  run(ctx) {
    const allowedCache = new Map<OpSchema, Map<string, Set<number> | null>>();
    const allowedOf = (s: OpSchema, typeStr: string): Set<number> | undefined => {
      let m = allowedCache.get(s);
      if (!m) allowedCache.set(s, (m = new Map()));
      let a = m.get(typeStr);
      if (a === undefined) {
        const list = allowedElemTypes(s, typeStr);
        a = list && list.length ? new Set(list) : null;
        m.set(typeStr, a);
      }
      return a ?? undefined;
    };
    for (const g of ctx.graphs) {
      for (const n of g.nodes) {
        const r = ctx.resolve(n);
        if (r.kind !== 'ok' && r.kind !== 'deprecated') continue;
        const s = r.schema;
        // Few nodes have a type problem: allocate only when a value binds a type variable.
        let bound: Map<string, { dtype: number; v: Value; io: string; i: number }> | undefined;
        let flagged: Set<string> | undefined;
        const check = (v: Value | null, f: FormalParameter | undefined, io: string, i: number) => {
          if (!v || !f) return;
          const elem = elemTypeOf(ctx, v);
          if (!elem) return;
          const allowed = allowedOf(s, f.typeStr);
          if (allowed && !allowed.has(elem)) {
            if (flagged?.has(f.typeStr)) return; // one finding per type variable: outputs follow their inputs
            (flagged ??= new Set()).add(f.typeStr);
            ctx.report({
              code: 'type-not-allowed', severity: 'error', node: n, graph: g, tensor: v.name,
              message: `${io} ${i} '${v.name}' of ${n.opType}-${s.sinceVersion} is ${dtypeName(elem)}, which ${f.typeStr} does not allow ` +
                `(allowed: ${[...allowed].map(dtypeName).join(', ')}): cast it to an allowed type, or use an operator version that accepts ${dtypeName(elem)}`,
            });
            return;
          }
          if (f.option === 'variadic' && f.heterogeneous) return;
          if (!isTypeVar(s, f.typeStr)) return;
          const prev = bound?.get(f.typeStr);
          if (!prev) (bound ??= new Map()).set(f.typeStr, { dtype: elem, v, io, i });
          else if (prev.dtype !== elem && !flagged?.has(f.typeStr)) {
            (flagged ??= new Set()).add(f.typeStr);
            ctx.report({
              code: 'type-mismatch', severity: 'error', node: n, graph: g, tensor: v.name,
              message: `${n.opType}-${s.sinceVersion} needs the same element type for every ${f.typeStr}: ${prev.io} ${prev.i} '${prev.v.name}' is ${dtypeName(prev.dtype)}, ` +
                `${io} ${i} '${v.name}' is ${dtypeName(elem)}. Cast one of them (Cast/CastLike) so they match`,
            });
          }
        };
        for (let i = 0; i < n.inputs.length; i++) check(n.inputs[i], formalInput(s, i), 'input', i);
        for (let i = 0; i < n.outputs.length; i++) check(n.outputs[i], formalOutput(s, i), 'output', i);
      }
    }
  },
};

const typeVars = new WeakMap<OpSchema, Set<string>>();
function isTypeVar(s: OpSchema, name: string): boolean {
  let set = typeVars.get(s);
  if (!set) typeVars.set(s, (set = new Set(s.typeConstraints.map((c) => c.name))));
  return set.has(name);
}

function elemTypeOf(ctx: RuleContext, v: Value): number {
  const t = ctx.shapes.typeOf(v);
  return t && !t.wrap ? t.elemType : 0;
}


/**
 * ai.onnx.ml operators that take and give plain tensors (what skl2onnx writes): Binarizer, Imputer,
 * Scaler, Normalizer, LabelEncoder, CategoryMapper, LinearRegressor, LinearClassifier, SVMRegressor,
 * SVMClassifier, TreeEnsembleRegressor/Classifier, TreeEnsemble, ArrayFeatureExtractor, OneHotEncoder,
 * FeatureVectorizer. Batch-style inputs are [N, C] (or [C], one row). A classifier's score width is left
 * unknown: binary classifiers differ between runtimes in whether they emit one column or two.
 * DictVectorizer, CastMap and ZipMap work on maps and are not covered.
 */
import { DataType } from '../../ir/dtype';
import { register, type OpContext } from '../registry';
import { dimProduct, type SymDim } from '../symbolic';
import { sameAsInput } from './util';

const ML = 'ai.onnx.ml';

function rows(ctx: OpContext): SymDim {
  const s = ctx.shape(0);
  if (!s) return null;
  return s.length === 2 ? s[0] : s.length === 1 ? 1 : null;
}

register(['Binarizer', 'Imputer'], (ctx) => sameAsInput(ctx), ML);
register(['Scaler', 'Normalizer'], (ctx) => sameAsInput(ctx, 0, 0, DataType.FLOAT), ML);

register('LabelEncoder', (ctx) => {
  let out = 0;
  if (ctx.since >= 2) {
    if (ctx.attr('values_strings')) out = DataType.STRING;
    else if (ctx.attr('values_int64s')) out = DataType.INT64;
    else if (ctx.attr('values_floats')) out = DataType.FLOAT;
    else out = ctx.tensorAttr('values_tensor')?.dtype ?? 0;
  } else out = ctx.elemType(0) === DataType.STRING ? DataType.INT64 : DataType.STRING;
  sameAsInput(ctx, 0, 0, out);
}, ML);

register('CategoryMapper', (ctx) => sameAsInput(ctx, 0, 0, ctx.elemType(0) === DataType.STRING ? DataType.INT64 : DataType.STRING), ML);

register('LinearRegressor', (ctx) => ctx.setOutput(0, DataType.FLOAT, [rows(ctx), ctx.int('targets', 1)]), ML);
register('SVMRegressor', (ctx) => ctx.setOutput(0, DataType.FLOAT, [rows(ctx), 1]), ML);
register('TreeEnsembleRegressor', (ctx) => ctx.setOutput(0, DataType.FLOAT, [rows(ctx), ctx.int('n_targets', 1)]), ML);
register('TreeEnsemble', (ctx) => ctx.setOutput(0, ctx.elemType(0), [rows(ctx), ctx.int('n_targets', 1)]), ML);

register(['LinearClassifier', 'SVMClassifier', 'TreeEnsembleClassifier'], (ctx) => {
  const labels = ctx.attr('classlabels_strings') ? DataType.STRING : DataType.INT64;
  const n = rows(ctx);
  ctx.setOutput(0, labels, [n]);
  ctx.setOutput(1, DataType.FLOAT, [n, null]);
}, ML);

register('ArrayFeatureExtractor', (ctx) => {
  const x = ctx.shape(0);
  const y = ctx.shape(1);
  const k = y ? dimProduct(y) : null;
  ctx.setOutput(0, ctx.elemType(0), !x ? undefined : x.length === 1 ? [1, k] : [...x.slice(0, -1), k]);
}, ML);

register('OneHotEncoder', (ctx) => {
  const x = ctx.shape(0);
  const cats = ctx.ints('cats_int64s')?.length ?? ctx.attr('cats_strings')?.proto.strings?.length ?? null;
  ctx.setOutput(0, DataType.FLOAT, x ? [...x, cats] : undefined);
}, ML);

register('FeatureVectorizer', (ctx) => {
  const dims = ctx.ints('inputdimensions') ?? [];
  ctx.setOutput(0, DataType.FLOAT, [rows(ctx), dims.length ? dims.reduce((a, b) => a + b, 0) : null]);
}, ML);

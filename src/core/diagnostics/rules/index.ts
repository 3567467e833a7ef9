/** Every rule, in the order they run (ties in the output order follow it). One rule per file. */
import type { Rule } from '../types';
import { modelProblemsRule } from './model-problems';
import { irVersionRule } from './ir-version';
import { opsetImportsRule } from './opset-imports';
import { opOpsetRule } from './op-opset';
import { customDomainRule } from './custom-domain';
import { noKernelRule } from './no-kernel';
import { schemaIoRule } from './schema-io';
import { schemaAttributesRule } from './schema-attributes';
import { typeConstraintsRule } from './type-constraints';
import { namesRule } from './names';
import { undefinedValuesRule } from './undefined-values';
import { cycleRule } from './cycle';
import { unusedRule } from './unused';
import { initializerInputRule } from './initializer-input';
import { constantIfRule } from './constant-if';
import { noopNodeRule } from './noop-node';
import { glueChainRule } from './glue-chain';
import { foldBatchnormRule } from './fold-batchnorm';
import { preluSlopeRule } from './prelu-slope';
import { preprocessingRule } from './preprocessing';
import { postprocessingRule } from './postprocessing';
import { trtUnsupportedRule } from './trt-unsupported';
import { trtInstanceNormRule } from './trt-instancenorm';
import { trtIfRule } from './trt-if';
import { trtInt64Rule } from './trt-int64';

export const RULES: readonly Rule[] = [
  modelProblemsRule,
  irVersionRule,
  opsetImportsRule,
  opOpsetRule,
  customDomainRule,
  noKernelRule,
  schemaIoRule,
  schemaAttributesRule,
  typeConstraintsRule,
  namesRule,
  undefinedValuesRule,
  cycleRule,
  unusedRule,
  initializerInputRule,
  constantIfRule,
  noopNodeRule,
  glueChainRule,
  foldBatchnormRule,
  preluSlopeRule,
  preprocessingRule,
  postprocessingRule,
  trtUnsupportedRule,
  trtInstanceNormRule,
  trtIfRule,
  trtInt64Rule,
];

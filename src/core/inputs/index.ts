/** Inputs for a run: from tensor files, or seeded random tensors with symbolic dims filled in. */
export { InputError } from './errors';
export { modelInputs, modelOutputs, describeSignature, type ValueSignature } from './signature';
export { parseDimSizes, resolveShape, resolveShapes, type DimSizes, type UnfilledDim } from './dims';
export { Rng } from './random';
export { canGenerate, generateInputs, generateModelInputs, generateTensor, indexRanges, type GenerateOptions } from './generate';
export {
  checkInputs, inputsIfComplete, readTensorSet, saveTensors, selectInputs, selectOutputs, type ModelIo, type TensorSet,
} from './load';

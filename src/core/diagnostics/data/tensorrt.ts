/**
 * What onnx-tensorrt (TensorRT's ONNX parser) imports, as data.
 *
 * Source: onnx/onnx-tensorrt docs/operators.md, the "Operator Support Matrix" for TensorRT 10.15 ("supports
 * operators in the inclusive range of opset 9 to opset 24"): every operator marked N there. INT64: the same
 * file for TensorRT 8.x (8.2-8.6) says "TensorRT will attempt to cast down INT64 to INT32 ... clamping
 * values to +-INT_MAX"; TensorRT 9.2 and later list INT64 as supported. InstanceNormalization epsilon: the
 * TensorRT 7/8 importer clamps it, `epsilon = std::max(epsilon, 1e-4f); // TensorRT only supports epsilon
 * values >= 1e-4` (quoted in NVIDIA/TensorRT#260).
 */
export const TENSORRT_DOC = 'onnx-tensorrt docs/operators.md (TensorRT 10.15)';

export const TENSORRT_OPSET_RANGE = { min: 9, max: 24 } as const;

/** ai.onnx operators onnx-tensorrt marks as not supported. */
export const TENSORRT_UNSUPPORTED_OPS: ReadonlySet<string> = new Set([
  'AffineGrid', 'Bernoulli', 'BitShift', 'BitwiseAnd', 'BitwiseNot', 'BitwiseOr', 'BitwiseXor', 'CenterCropPad',
  'Col2Im', 'Compress', 'ConcatFromSequence', 'ConvInteger', 'DFT', 'Det', 'DynamicQuantizeLinear', 'ImageDecoder',
  'MatMulInteger', 'MaxRoiPool', 'MaxUnpool', 'MelWeightMatrix', 'Multinomial', 'NegativeLogLikelihoodLoss',
  'Optional', 'OptionalGetElement', 'OptionalHasElement', 'QLinearConv', 'QLinearMatMul', 'RegexFullMatch',
  'SequenceAt', 'SequenceConstruct', 'SequenceEmpty', 'SequenceErase', 'SequenceInsert', 'SequenceLength',
  'SequenceMap', 'SoftmaxCrossEntropyLoss', 'SplitToSequence', 'StringConcat', 'StringNormalizer', 'StringSplit',
  'TfIdfVectorizer', 'Unique',
]);

/** What the support matrix says for some operators it supports with restrictions worth a note. */
export const TENSORRT_RESTRICTIONS: Readonly<Record<string, string>> = {
  If: 'output tensors of the two conditional branches must have the same rank and must have different names',
  TopK: '`sorted` must be 1 and `K` must be less than 3840',
  InstanceNormalization: 'TensorRT 8.x and earlier clamp epsilon to at least 1e-4',
};

/** TensorRT major version from which INT64 is a native type (no cast down to INT32). */
export const TENSORRT_NATIVE_INT64_SINCE = 9;

export const TENSORRT_MIN_INSTANCENORM_EPSILON = 1e-4;

/** ONNX's textual syntax: the printer and its source map. */
export { printModel, printName, quoteText, typeText, DEFAULT_MAX_TENSOR_VALUES } from './printer';
export type { PrintOptions, PrintResult } from './printer';
export { TextMap } from './map';
export type { OutlineItem, Position, Range, TextAnchor, TextHit, ValueRole } from './map';
export { formatDouble, formatFloat, formatInt } from './numbers';

/**
 * Which IR version each ONNX release pairs with which opset versions: ONNX's own VERSION_TABLE, copied as
 * data from onnx/onnx `onnx/helper.py` (itself a copy of docs/Versioning.md, "Released Versions"), rows up
 * to ONNX 1.21.0. Update both together when ONNX releases: append a row.
 *
 * Row: [release, IR version, ai.onnx opset, ai.onnx.ml opset, ai.onnx.training opset (optional)].
 */
export type VersionRow = readonly [release: string, ir: number, onnx: number, ml: number, training?: number];

export const VERSION_TABLE: readonly VersionRow[] = [
  ['1.0', 3, 1, 1],
  ['1.1', 3, 5, 1],
  ['1.1.2', 3, 6, 1],
  ['1.2', 3, 7, 1],
  ['1.3', 3, 8, 1],
  ['1.4.1', 4, 9, 1],
  ['1.5.0', 5, 10, 1],
  ['1.6.0', 6, 11, 2],
  ['1.7.0', 7, 12, 2, 1],
  ['1.8.0', 7, 13, 2, 1],
  ['1.8.1', 7, 13, 2, 1],
  ['1.9.0', 7, 14, 2, 1],
  ['1.10.0', 8, 15, 2, 1],
  ['1.10.1', 8, 15, 2, 1],
  ['1.10.2', 8, 15, 2, 1],
  ['1.11.0', 8, 16, 3, 1],
  ['1.12.0', 8, 17, 3, 1],
  ['1.13.0', 8, 18, 3, 1],
  ['1.13.1', 8, 18, 3, 1],
  ['1.14.0', 9, 19, 3, 1],
  ['1.14.1', 9, 19, 3, 1],
  ['1.15.0', 9, 20, 4, 1],
  ['1.16.0', 10, 21, 5, 1],
  ['1.16.1', 10, 21, 5, 1],
  ['1.16.2', 10, 21, 5, 1],
  ['1.17.0', 10, 22, 5, 1],
  ['1.18.0', 11, 23, 5, 1],
  ['1.19.0', 12, 24, 5, 1],
  ['1.19.1', 12, 24, 5, 1],
  ['1.20.0', 13, 25, 5, 1],
  ['1.20.1', 13, 25, 5, 1],
  ['1.21.0', 13, 26, 5, 1],
];

/** The newest IR version onnx.proto (proto/onnx.proto, ONNX 1.23) defines. */
export const NEWEST_KNOWN_IR_VERSION = 14;

const COLUMN: Record<string, 2 | 3 | 4> = {
  '': 2, 'ai.onnx.preview': 2, 'ai.onnx.ml': 3, 'ai.onnx.training': 4, 'ai.onnx.preview.training': 4,
};

export interface IrRequirement {
  /** The smallest IR version that goes with this opset. */
  minIr: number;
  /** The first ONNX release that shipped it. */
  release: string;
  /** True when the opset is newer than the table: minIr is then the newest row's IR version, a lower bound. */
  beyondTable: boolean;
}

/**
 * The IR version an opset import needs (onnx.helper.find_min_ir_version_for, per domain), or undefined for
 * domains the table does not cover (custom domains) and versions below 1.
 */
export function irRequirement(domain: string, version: number): IrRequirement | undefined {
  const col = COLUMN[domain === 'ai.onnx' ? '' : domain];
  if (col === undefined || !(version >= 1)) return undefined;
  for (const row of VERSION_TABLE) {
    const v = row[col];
    if (v !== undefined && v >= version) return { minIr: row[1], release: row[0], beyondTable: false };
  }
  let last: VersionRow | undefined;
  for (const row of VERSION_TABLE) if (row[col] !== undefined) last = row;
  return last ? { minIr: last[1], release: last[0], beyondTable: true } : undefined;
}

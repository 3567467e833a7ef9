import { readModelFile } from '../../core/codec/file';
import { formatBytes, summarize, type IoSummary, type ModelSummary } from '../../core/summary';
import { formatShape } from '../../core/ir/types';
import { parseArgs, positional } from '../args';
import type { Command } from '../command';
import { allWeightReports, closeExternal, type WeightReport } from '../../core/weights';


export const inspect: Command = {
  name: 'inspect',
  summary: 'IR version, opsets, inputs/outputs, node counts by op type, initializers, external data, subgraphs',
  usage: 'onnx-lens inspect MODEL [--json] [--weights]',
  async run(argv, io) {
    const args = parseArgs(argv, { flags: ['json', 'weights'] }, 'inspect');
    const file = positional(args, 0, 'MODEL', 'inspect');
    const model = readModelFile(file);
    const summary: ModelSummary & { weights?: WeightReport[] } = summarize(model);
    if (args.flags.has('weights')) {
      summary.weights = allWeightReports(model);
      closeExternal(model);
    }
    if (args.flags.has('json')) {
      io.out(JSON.stringify(summary, null, 2));
    } else {
      io.out(formatSummary(summary));
    }
    return 0;
  },
};

function ioLine(i: IoSummary): string {
  return `    ${i.name}: ${i.shape ? `${i.dtype}${formatShape(i.shape)}` : i.type}`;
}

export function formatSummary(s: ModelSummary & { weights?: WeightReport[] }): string {
  const lines: string[] = [];
  lines.push(s.file ?? '<model>');
  lines.push(`  IR version ${s.irVersion ?? '?'}; opsets: ${s.opsetImports.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ') || 'none'}`);
  if (s.producer.name || s.producer.version) lines.push(`  producer: ${s.producer.name} ${s.producer.version}`.trimEnd());
  for (const [k, v] of Object.entries(s.metadata)) lines.push(`  metadata ${k}: ${v}`);
  lines.push('  inputs:', ...s.inputs.map(ioLine));
  lines.push('  outputs:', ...s.outputs.map(ioLine));
  lines.push(`  nodes: ${s.nodeCount}${s.nodeCount !== s.mainGraphNodeCount ? ` (main graph ${s.mainGraphNodeCount})` : ''}`);
  const ops = Object.entries(s.opTypes).map(([k, v]) => `${k} ${v}`);
  for (let i = 0; i < ops.length; i += 6) lines.push(`    ${ops.slice(i, i + 6).join(', ')}`);
  const domains = Object.entries(s.domains).map(([k, v]) => `${k} ${v}`).join(', ');
  if (domains) lines.push(`  domains: ${domains}`);
  lines.push(`  initializers: ${s.initializers.count} (${formatBytes(s.initializers.bytes)}${s.initializers.external ? `, ${s.initializers.external} external` : ''})`);
  for (const e of s.externalData) lines.push(`    external file ${e.file}: ${e.tensors} tensors, ${formatBytes(e.bytes)}`);
  for (const g of s.subgraphs) lines.push(`  subgraph ${g.path}: ${g.nodeCount} nodes`);
  for (const f of s.functions) lines.push(`  function ${f.domain ? `${f.domain}::` : ''}${f.name}: ${f.nodeCount} nodes`);
  for (const p of s.problems) lines.push(`  problem: ${p.message}`);
  if (s.weights) {
    lines.push('  weights:');
    for (const w of s.weights) {
      lines.push(
        w.error
          ? `    ${w.name}: ${w.error}`
          : `    ${w.name}: ${w.dtype}[${w.shape.join(',')}] min ${fmt(w.stats?.min)} max ${fmt(w.stats?.max)} mean ${fmt(w.stats?.mean)} std ${fmt(w.stats?.std)}${w.external ? ` (external ${w.external.file})` : ''}`,
      );
    }
  }
  return lines.join('\n');
}

function fmt(v: number | undefined): string {
  return v === undefined ? '-' : Number.isInteger(v) ? String(v) : v.toPrecision(5);
}

/** `lockchart diagram`: one statechart as Mermaid, DOT or SVG, optionally with states lit. */
import { writeFileSync } from 'node:fs';
import { CATALOG, catalogEntry } from '../../machines/catalog.ts';
import { unknownPaths } from '../../viz/active.ts';
import { ROOT } from '../../viz/chart.ts';
import { toDot } from '../../viz/dot.ts';
import { toMermaid } from '../../viz/mermaid.ts';
import { chartOf } from '../../viz/structure.ts';
import { toSvg } from '../../viz/svg.ts';
import { parse } from '../args.ts';
import { CliError, type Command } from '../command.ts';
import { checkOutputFile } from '../output-path.ts';

const FORMATS = ['mermaid', 'dot', 'svg'] as const;
type Format = (typeof FORMATS)[number];

export const diagramCommand: Command = {
  name: 'diagram',
  summary: 'draw a statechart as Mermaid, Graphviz DOT or SVG',
  usage: [
    'usage: lockchart diagram <machine> [--format mermaid|dot|svg] [-o FILE] [--active STATES]',
    '',
    `Draws one statechart (${CATALOG.map((e) => e.name).join(', ')}) from its definition.`,
    '  --format   mermaid (default: stateDiagram-v2), dot (Graphviz) or svg (laid out offline)',
    '  -o FILE    write to FILE instead of standard output',
    '  --active   comma-separated state paths to highlight, e.g.',
    '             active,active.vcpus,active.vcpus.running (see `lockchart machines`)',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parse(argv, {
      format: { type: 'string' },
      output: { type: 'string', short: 'o' },
      active: { type: 'string' },
    }, 'diagram');
    if (values.output !== undefined) checkOutputFile(values.output, '-o');
    const entry = machineOf(positionals);
    const format = formatOf(values.format);
    const active = activeOf(entry.name, chartOf(entry.machine), values.active);
    const text = await render(entry.machine, format, active);
    if (values.output === undefined) io.out(text);
    else writeFileSync(values.output, text);
    return 0;
  },
};

function machineOf(positionals: readonly string[]) {
  const names = CATALOG.map((entry) => entry.name).join(', ');
  const [name, ...extra] = positionals;
  if (name === undefined) throw new CliError(`diagram: which machine? (one of ${names})`);
  if (extra.length > 0) {
    throw new CliError(`diagram: one machine at a time, got '${positionals.join(' ')}'`);
  }
  const entry = catalogEntry(name);
  if (!entry) throw new CliError(`diagram: unknown machine '${name}' (known: ${names})`);
  return entry;
}

function formatOf(value: string | undefined): Format {
  if (value === undefined) return 'mermaid';
  const format = FORMATS.find((known) => known === value);
  if (!format) {
    throw new CliError(`diagram: unknown format '${value}' (known: ${FORMATS.join(', ')})`);
  }
  return format;
}

function activeOf(machine: string, chart: ReturnType<typeof chartOf>, value: string | undefined) {
  if (value === undefined) return [];
  const paths = value.split(',').map((path) => path.trim()).filter(Boolean);
  const unknown = unknownPaths(chart, paths);
  if (unknown.length > 0) {
    const known = [...chart.states.keys()].filter((path) => path !== ROOT).join(', ');
    const missing = unknown.join("', '");
    throw new CliError(`diagram: ${machine} has no state '${missing}' (known: ${known})`);
  }
  return paths;
}

async function render(
  machine: Parameters<typeof toDot>[0],
  format: Format,
  active: readonly string[],
): Promise<string> {
  switch (format) {
    case 'mermaid':
      return toMermaid(machine, { active });
    case 'dot':
      return toDot(machine, { active });
    case 'svg':
      return toSvg(machine, { active });
    default: {
      const unreachable: never = format;
      return unreachable;
    }
  }
}

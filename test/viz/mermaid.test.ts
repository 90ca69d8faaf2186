import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../machines/catalog.ts';
import { domainMachine } from '../../machines/domain.machine.ts';
import { ROOT } from '../../viz/chart.ts';
import { mermaidEdgeCount, toMermaid } from '../../viz/mermaid.ts';
import { mermaidIds } from '../../viz/mermaid-text.ts';
import { chartOf } from '../../viz/structure.ts';

const EDGE = /^(\w+) --> (\w+) : (.*)$/;

/** A small reading of the Mermaid text: declarations with their enclosing block, edges, refs. */
function read(text: string) {
  const declared = new Map<string, string | null>();
  const edges: { source: string; target: string; label: string; block: string | null }[] = [];
  const referenced: string[] = [];
  const blocks: string[] = [];
  let depth = 0;
  let minDepth = 0;
  let inNote = false;
  for (const raw of text.split('\n').slice(1)) {
    const line = raw.trim();
    if (inNote) {
      inNote = line !== 'end note';
      continue;
    }
    const block = blocks.at(-1) ?? null;
    const state = /^state "[^"]*" as (\w+)( \{)?$/.exec(line);
    const edge = EDGE.exec(line);
    if (state?.[1]) {
      expect(declared.has(state[1]), `${state[1]} declared twice`).toBe(false);
      declared.set(state[1], block);
      if (state[2]) blocks.push(state[1]);
    } else if (line === '}') {
      blocks.pop();
    } else if (edge?.[1] && edge[2]) {
      edges.push({ source: edge[1], target: edge[2], label: edge[3] ?? '', block });
    } else if (line.startsWith('note right of ')) {
      referenced.push(line.slice('note right of '.length));
      inNote = true;
    } else if (line.startsWith('class ')) {
      referenced.push(...line.slice(6).replace(/ active$/, '').split(','));
    } else if (/^\w+ : /.test(line)) {
      referenced.push(line.split(' ')[0] ?? '');
    }
    depth += (raw.match(/\{/g) ?? []).length - (raw.match(/\}/g) ?? []).length;
    minDepth = Math.min(minDepth, depth);
  }
  return { declared, edges, referenced, depth, minDepth };
}

const MACHINES = CATALOG.map((entry) => [entry.name, entry.machine] as const);

describe.each(MACHINES)('Mermaid of %s', (_, machine) => {
  const chart = chartOf(machine);
  const ids = mermaidIds(chart);
  const text = toMermaid(machine);
  const parsed = read(text);

  it('is a stateDiagram-v2 with balanced braces', () => {
    expect(text.startsWith('stateDiagram-v2\n')).toBe(true);
    expect(parsed.depth).toBe(0);
    expect(parsed.minDepth).toBe(0);
  });

  it('declares every state once, inside its parent, and references only declared ids', () => {
    for (const state of chart.states.values()) {
      const parent = state.parent === null ? null : (ids.get(state.parent) ?? 'missing');
      expect(parsed.declared.get(ids.get(state.path) ?? '')).toBe(parent);
    }
    expect(parsed.declared.size).toBe(chart.states.size);
    const used = [...parsed.referenced, ...parsed.edges.flatMap((e) => [e.source, e.target])];
    for (const id of used) expect(parsed.declared.has(id), id).toBe(true);
  });

  it('draws every transition: one edge per target, a self-loop when targetless', () => {
    expect(parsed.edges).toHaveLength(mermaidEdgeCount(chart.transitions));
    const drawn = parsed.edges.map((e) => `${e.source}>${e.target}`).sort();
    const expected = chart.transitions.flatMap((t) =>
      (t.targets.length > 0 ? t.targets : [t.source])
        .map((target) => `${ids.get(t.source)}>${ids.get(target)}`));
    expect(drawn).toEqual(expected.sort());
  });

  it('keeps an edge inside a composite only when both ends are its children', () => {
    for (const edge of parsed.edges.filter((e) => e.block !== null)) {
      expect(parsed.declared.get(edge.source)).toBe(edge.block);
      expect(parsed.declared.get(edge.target)).toBe(edge.block);
    }
  });

  it('escapes labels so Mermaid cannot misread them, yet shows guards, invokes and delays', () => {
    for (const edge of parsed.edges) expect(edge.label.replace(/#\w+;/g, '')).not.toMatch(/[:;#]/);
    const decoded = text.replace(/#58;/g, ':').replace(/#59;/g, ';').replace(/#35;/g, '#');
    for (const t of chart.transitions) expect(decoded).toContain(t.label);
    for (const state of chart.states.values()) {
      for (const invoke of state.invokes) expect(decoded).toContain(`invoke ${invoke.src}`);
    }
  });

  it('separates the regions of each parallel state with --', () => {
    const regions = [...chart.states.values()]
      .filter((s) => s.kind === 'parallel')
      .reduce((n, s) => n + s.children.length - 1, 0);
    expect(text.split('\n').filter((line) => line.trim() === '--')).toHaveLength(regions);
  });
});

describe('Mermaid highlighting', () => {
  const chart = chartOf(domainMachine);
  const ids = mermaidIds(chart);
  const paths = [...chart.states.keys()].filter((path) => path !== ROOT);

  it('classes exactly the requested states active', () => {
    fc.assert(fc.property(fc.subarray(paths, { minLength: 1 }), (active) => {
      const lines = toMermaid(domainMachine, { active }).split('\n');
      const line = lines.find((l) => l.trim().startsWith('class '));
      const classed = line?.trim().slice(6).replace(/ active$/, '').split(',').sort();
      expect(classed).toEqual(active.map((path) => ids.get(path)).sort());
    }));
    expect(toMermaid(domainMachine)).not.toContain('classDef active');
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../machines/catalog.ts';
import { domainMachine } from '../../machines/domain.machine.ts';
import { ROOT } from '../../viz/chart.ts';
import { toDot } from '../../viz/dot.ts';
import { chartOf } from '../../viz/structure.ts';
import { dotToSvg, graphviz, toSvg } from '../../viz/svg.ts';

/** Transition ids in DOT text: edges (`id="t3"`, `id="t3.1"`) and internal rows (`id="t3"`). */
function transitionIds(dot: string): string[] {
  return [...dot.matchAll(/\bid="(t\d+(?:\.\d+)?)"/g)].map((match) => match[1] ?? '').sort();
}

/** State path → its class list, for nodes (`, class=`) and clusters (`;\n class=`) alike. */
function stateClasses(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const match of text.matchAll(/id="state:([^"]*)"[;,]?\s*class="([^"]*)"/g)) {
    found.set(match[1] ?? '', (match[2] ?? '').split(' '));
  }
  return found;
}

function litStates(text: string): string[] {
  return [...stateClasses(text)]
    .filter(([, classes]) => classes.includes('active'))
    .map(([path]) => path)
    .sort();
}

const MACHINES = CATALOG.map((entry) => [entry.name, entry.machine] as const);

describe.each(MACHINES)('DOT of %s', (_, machine) => {
  const chart = chartOf(machine);
  const dot = toDot(machine);

  it('draws every transition once: one edge per target, internal ones inside their state', () => {
    const expected = chart.transitions.flatMap((t) => t.targets.length === 0
      ? [`t${t.index}`]
      : t.targets.map((_, k) => (k === 0 ? `t${t.index}` : `t${t.index}.${k}`)));
    expect(transitionIds(dot)).toEqual(expected.sort());
    const drawn = chart.transitions.reduce((n, t) => n + Math.max(1, t.targets.length), 0);
    expect(transitionIds(dot)).toHaveLength(drawn);
  });

  it('declares every state below the root exactly once', () => {
    const paths = [...chart.states.keys()].filter((path) => path !== ROOT);
    for (const path of paths) expect(dot.split(`id="state:${path}"`)).toHaveLength(2);
    expect([...stateClasses(dot).keys()].sort()).toEqual([...paths].sort());
  });

  it('shows guards, invoked actors and delays', () => {
    for (const t of chart.transitions) {
      if (t.guard) for (const word of t.guard.split(' ')) expect(dot).toContain(word);
      if (t.trigger.kind === 'after') expect(dot).toContain(`after ${t.trigger.delay}`);
    }
    for (const state of chart.states.values()) {
      for (const invoke of state.invokes) expect(dot).toContain(`invoke ${invoke.src}`);
    }
  });

  it('is valid Graphviz input: it lays out without errors or warnings', async () => {
    const viz = await graphviz();
    const result = viz.render(dot, { format: 'svg' });
    expect(result.errors).toEqual([]);
    expect(result.status).toBe('success');
  });
});

describe('highlighting', () => {
  const chart = chartOf(domainMachine);
  const paths = [...chart.states.keys()].filter((path) => path !== ROOT);

  it('marks exactly the requested states, whatever the set', () => {
    fc.assert(fc.property(fc.subarray(paths), (active) => {
      expect(litStates(toDot(domainMachine, { active }))).toEqual([...active].sort());
    }));
  });

  it('marks exactly the requested states in the SVG too', async () => {
    const active = ['active', 'active.vcpus', 'active.vcpus.running', 'active.devices.idle'];
    const svg = await toSvg(domainMachine, { active });
    expect(litStates(svg)).toEqual([...active].sort());
  });

  it('refuses a state the machine does not have', () => {
    expect(() => toDot(domainMachine, { active: ['active.nowhere'] })).toThrow(/active\.nowhere/);
  });

  it('reports Graphviz failures as errors', async () => {
    await expect(dotToSvg('digraph { a -> }')).rejects.toThrow(/graphviz failed/);
  });
});

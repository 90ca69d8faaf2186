import { describe, expect, it } from 'vitest';
import { and, createActor, fromPromise, not, or, setup, stateIn, type AnyStateNode } from 'xstate';
import { CATALOG, stateNodes, statePath } from '../../machines/catalog.ts';
import { domainMachine } from '../../machines/domain.machine.ts';
import { activePaths } from '../../viz/active.ts';
import { ROOT } from '../../viz/chart.ts';
import { chartOf } from '../../viz/structure.ts';

/** Transition candidates XState holds for a node, counted straight from the definition. */
function candidateCount(node: AnyStateNode): number {
  let count = (node.always ?? []).length;
  for (const [type, list] of node.transitions) if (type !== '') count += list.length;
  return count;
}

const MACHINES = CATALOG.map((entry) => [entry.name, entry.machine] as const);

describe.each(MACHINES)('chart of %s', (_, machine) => {
  const chart = chartOf(machine);
  const nodes = stateNodes(machine);

  it('has every state of the definition, in document order, with its kind', () => {
    const paths = [...chart.states.keys()].filter((path) => path !== ROOT);
    expect(paths).toEqual(nodes.map(statePath));
    for (const node of nodes) expect(chart.states.get(statePath(node))?.kind).toBe(node.type);
  });

  it('links parents, children, initial states and regions consistently', () => {
    for (const state of chart.states.values()) {
      for (const child of state.children) expect(chart.states.get(child)?.parent).toBe(state.path);
      if (state.kind === 'compound') expect(state.children).toContain(state.initial);
      const parent = state.parent === null ? undefined : chart.states.get(state.parent);
      expect(state.region).toBe(parent?.kind === 'parallel');
    }
  });

  it('has every transition candidate, each from and to known states', () => {
    const expected = [machine.root, ...nodes].reduce((sum, node) => sum + candidateCount(node), 0);
    expect(chart.transitions).toHaveLength(expected);
    chart.transitions.forEach((t, index) => {
      expect(t.index).toBe(index);
      for (const path of [t.source, ...t.targets]) expect(chart.states.has(path)).toBe(true);
    });
  });

  it('labels guards by name, invoke results by invoke id, and never leaks xstate.* names', () => {
    for (const node of [machine.root, ...nodes]) {
      const path = statePath(node);
      const labels = chart.transitions.filter((t) => t.source === path).map((t) => t.label);
      for (const [, list] of node.transitions) {
        for (const t of list) {
          if (typeof t.guard === 'string') expect(labels.join('\n')).toContain(`[${t.guard}`);
        }
      }
      for (const invoke of node.invoke) {
        expect(chart.states.get(path)?.invokes).toContainEqual({ id: invoke.id, src: invoke.src });
        if (node.transitions.has(`xstate.done.actor.${invoke.id}`)) {
          expect(labels.some((label) => label.startsWith(`done: ${invoke.id}`))).toBe(true);
        }
        if (node.transitions.has(`xstate.error.actor.${invoke.id}`)) {
          expect(labels.some((label) => label.startsWith(`error: ${invoke.id}`))).toBe(true);
        }
      }
    }
    for (const t of chart.transitions) expect(t.label).not.toContain('xstate.');
  });
});

describe('chart details', () => {
  it('labels each named delay of the domain machine `after <name>`', () => {
    const delays = Object.keys(domainMachine.implementations.delays);
    expect(delays.length).toBeGreaterThan(0);
    const labels = chartOf(domainMachine).transitions.map((t) => t.label);
    for (const delay of delays) expect(labels).toContain(`after ${delay}`);
  });

  it('renders combinator guards readably, including stateIn and else branches', () => {
    const machine = setup({
      guards: { a: () => true, b: () => true, c: () => true },
      actors: { work: fromPromise(async () => 1) },
    }).createMachine({
      id: 'toy',
      initial: 'idle',
      states: {
        idle: {
          on: {
            go: [
              { guard: and(['a', or(['b', not('c')])]), target: 'busy' },
              { guard: stateIn('#toy.idle'), target: 'busy' },
              { guard: { type: 'a', params: { n: 1 } }, target: 'busy' },
              { target: 'done' },
            ],
          },
          after: { 500: 'busy' },
        },
        busy: {
          initial: 'inner',
          states: { inner: { type: 'final' } },
          invoke: { src: fromPromise(async () => 2), onDone: 'done' },
          onDone: 'done',
        },
        done: { type: 'final' },
      },
    });
    const labels = chartOf(machine).transitions.map((t) => t.label);
    expect(labels).toEqual(expect.arrayContaining([
      'go [a and (b or not c)]',
      'go [in idle]',
      'go [a({"n":1})]',
      'go [else]',
      'after 500 ms',
      'done',
    ]));
    expect(chartOf(machine).states.get('busy')?.invokes[0]?.src).toBe('inline actor');
  });

  it('walks each machine once', () => {
    expect(chartOf(domainMachine)).toBe(chartOf(domainMachine));
  });
});

describe('activePaths', () => {
  it('lists exactly the states a snapshot matches, ancestors included', () => {
    const chart = chartOf(domainMachine);
    const inputs = [
      { disks: [] },
      { disks: [], reconnect: 'running' as const },
      { disks: [], reconnect: 'paused' as const },
    ];
    for (const input of inputs) {
      const snapshot = createActor(domainMachine, { input }).getSnapshot();
      const active = new Set(activePaths(snapshot.value));
      for (const path of chart.states.keys()) {
        if (path !== ROOT) expect(active.has(path), path).toBe(snapshot.matches(path as never));
      }
    }
  });
});

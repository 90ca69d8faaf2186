/**
 * Walks an XState v5 machine definition into the neutral `Chart` model. Pure: it reads
 * `machine.root` and each node's `states`, `type`, `initial`, `transitions` (which already holds
 * `on`, `after` and invoke `onDone`/`onError`), `always`, `invoke` and `description`, and never
 * creates an actor. Charts are cached per machine object, so renderers called once per
 * simulation step pay for the walk once.
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { ROOT } from './chart.ts';
import type { Chart, ChartInvoke, ChartState, ChartTransition } from './chart.ts';
import { guardText } from './guard-text.ts';
import { triggerOf, triggerText } from './trigger.ts';

/** The parts of XState's `TransitionDefinition` the walker reads. */
interface TransitionLike {
  readonly eventType: string;
  readonly target?: readonly AnyStateNode[] | undefined;
  readonly guard?: unknown;
  readonly actions: readonly unknown[];
  readonly description?: string | undefined;
}

const charts = new WeakMap<AnyStateMachine, Chart>();

/** The chart of `machine`, walked once and cached for the machine object's lifetime. */
export function chartOf(machine: AnyStateMachine): Chart {
  let chart = charts.get(machine);
  if (!chart) {
    chart = walk(machine);
    charts.set(machine, chart);
  }
  return chart;
}

function walk(machine: AnyStateMachine): Chart {
  const states = new Map<string, ChartState>();
  const transitions: ChartTransition[] = [];
  const visit = (node: AnyStateNode, parent: AnyStateNode | null): void => {
    states.set(pathOf(node), stateOf(node, parent));
    for (const candidate of candidatesOf(node)) {
      transitions.push(transitionOf(candidate, node, machine.id, transitions.length));
    }
    for (const child of childrenOf(node)) visit(child, node);
  };
  visit(machine.root, null);
  return { id: machine.id, states, transitions };
}

function pathOf(node: AnyStateNode): string {
  return node.path.length === 0 ? ROOT : node.path.join('.');
}

function childrenOf(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states) as AnyStateNode[];
}

function stateOf(node: AnyStateNode, parent: AnyStateNode | null): ChartState {
  const initial = node.type === 'compound' ? node.initial?.target?.[0] : undefined;
  return {
    path: pathOf(node),
    key: node.key,
    kind: node.type,
    parent: parent ? pathOf(parent) : null,
    children: childrenOf(node).map(pathOf),
    initial: initial ? pathOf(initial) : null,
    region: parent?.type === 'parallel',
    description: node.description ?? null,
    invokes: node.invoke.map(invokeOf),
    history: node.history === 'shallow' || node.history === 'deep' ? node.history : null,
  };
}

function invokeOf(definition: { id: string; src: unknown }): ChartInvoke {
  const src = definition.src;
  // XState names inline actor logic `xstate.invoke.<n>.<state id>`: meaningless to a reader.
  const named = typeof src === 'string' && !src.startsWith('xstate.invoke.');
  return { id: definition.id, src: named ? src : 'inline actor' };
}

/** A node's transition candidates: each event's list in document order, then `always`. */
function candidatesOf(node: AnyStateNode): { t: TransitionLike; fallback: boolean }[] {
  const lists: (readonly TransitionLike[])[] = [];
  for (const [eventType, list] of node.transitions) if (eventType !== '') lists.push(list);
  lists.push(node.always ?? []);
  // An unguarded candidate after guarded ones for the same event is the "else" branch.
  return lists.flatMap((list) => list.map((t, i) => ({
    t,
    fallback: !t.guard && list.slice(0, i).some((prior) => prior.guard),
  })));
}

function transitionOf(
  candidate: { t: TransitionLike; fallback: boolean },
  source: AnyStateNode,
  machineId: string,
  index: number,
): ChartTransition {
  const { t, fallback } = candidate;
  const trigger = triggerOf(t.eventType, source.id);
  const guard = guardText(t.guard, machineId);
  const condition = guard ?? (fallback ? 'else' : null);
  const text = triggerText(trigger, source.id);
  return {
    index,
    source: pathOf(source),
    targets: (t.target ?? []).map(pathOf),
    trigger,
    eventType: t.eventType,
    guard,
    actions: t.actions.map(actionName),
    description: t.description ?? null,
    label: condition ? `${text} [${condition}]` : text,
  };
}

function actionName(action: unknown): string {
  if (typeof action === 'string') return action;
  if (typeof action === 'object' && action !== null && 'type' in action) {
    return String((action as { type: unknown }).type);
  }
  if (typeof action === 'function') {
    const builtIn = (action as { type?: unknown }).type;
    if (typeof builtIn === 'string') return builtIn;
    return action.name || 'inline action';
  }
  return 'action';
}

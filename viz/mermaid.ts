/**
 * Mermaid `stateDiagram-v2` for a statechart: the machine is one composite state, compound
 * states are composites, a parallel state's regions are separated by `--`, final states lead to
 * `[*]`, descriptions and invoked actors (`invoke acquireLocks`) are description lines of their
 * state, or a note on a composite. Targetless transitions are self-loops labelled
 * `event / actions`.
 *
 * Placement matters to Mermaid: a state belongs to the composite where it is mentioned (older
 * versions: last mentioned), except mentions at the top level, which never re-parent. So every
 * state is declared inside its parent, an edge between siblings stays in their composite, and
 * every other edge goes to the top level.
 */
import type { AnyStateMachine } from 'xstate';
import { activeSet } from './active.ts';
import { ROOT, stateAt, type Chart, type ChartState, type ChartTransition } from './chart.ts';
import { internalText, invokeText } from './dot-labels.ts';
import { mermaidIds, mermaidText } from './mermaid-text.ts';
import { chartOf } from './structure.ts';
import { wrapWords } from './wrap.ts';

export interface MermaidOptions {
  /** State paths to highlight (a `classDef active`); exactly these are marked. */
  readonly active?: Iterable<string>;
  /** Show state descriptions (default true): lines in simple states, notes on composites. */
  readonly descriptions?: boolean;
}

/** Characters per line of description text. */
const TEXT_WIDTH = 36;
const TOP = Symbol('top level');

interface Context {
  readonly chart: Chart;
  readonly ids: ReadonlyMap<string, string>;
  readonly descriptions: boolean;
  /** Edge lines by the composite they are written in (a state path), or the top level. */
  readonly edges: ReadonlyMap<string | typeof TOP, readonly string[]>;
}

/** The machine's statechart as Mermaid text. Throws on an active path the machine lacks. */
export function toMermaid(machine: AnyStateMachine, options: MermaidOptions = {}): string {
  return chartToMermaid(chartOf(machine), options);
}

/** The same, from an already walked chart. */
export function chartToMermaid(chart: Chart, options: MermaidOptions = {}): string {
  const active = activeSet(chart, options.active);
  const ids = mermaidIds(chart);
  const context: Context = {
    chart,
    ids,
    descriptions: options.descriptions ?? true,
    edges: placeEdges(chart, ids),
  };
  const lines = ['stateDiagram-v2', ...stateLines(context, ROOT, '  ')];
  lines.push(...(context.edges.get(TOP) ?? []).map((line) => `  ${line}`));
  if (active.size > 0) {
    lines.push('  classDef active fill:#ffd54f,stroke:#b26a00,stroke-width:3px');
    lines.push(`  class ${[...active].map((path) => idOf(context, path)).join(',')} active`);
  }
  return `${lines.join('\n')}\n`;
}

function idOf(context: { ids: ReadonlyMap<string, string> }, path: string): string {
  const id = context.ids.get(path);
  if (id === undefined) throw new Error(`no Mermaid id for state '${path}'`);
  return id;
}

function placeEdges(chart: Chart, ids: ReadonlyMap<string, string>): Context['edges'] {
  const placed = new Map<string | typeof TOP, string[]>();
  for (const t of chart.transitions) {
    const targets = t.targets.length > 0 ? t.targets : [t.source];
    for (const target of targets) {
      const where = edgeHome(chart, t.source, target);
      const label = t.targets.length > 0 ? t.label : internalText(t);
      const ends = `${idOf({ ids }, t.source)} --> ${idOf({ ids }, target)}`;
      const line = `${ends} : ${mermaidText(label)}`;
      placed.set(where, [...(placed.get(where) ?? []), line]);
    }
  }
  return placed;
}

/** Siblings under a non-parallel parent share their composite; everything else goes on top. */
function edgeHome(chart: Chart, source: string, target: string): string | typeof TOP {
  const parent = stateAt(chart, source).parent;
  if (parent === null || parent !== stateAt(chart, target).parent) return TOP;
  return stateAt(chart, parent).kind === 'parallel' ? TOP : parent;
}

function stateLines(context: Context, path: string, indent: string): string[] {
  const state = stateAt(context.chart, path);
  const id = idOf(context, path);
  const name = mermaidText(path === ROOT ? context.chart.id : state.key);
  if (state.kind !== 'compound' && state.kind !== 'parallel') {
    const title = state.kind === 'history' ? (state.history === 'deep' ? 'H*' : 'H') : name;
    const details = [
      ...descriptionLines(context, state),
      ...state.invokes.map(invokeText),
    ];
    return [
      `${indent}state "${title}" as ${id}`,
      ...details.map((line) => `${indent}${id} : ${mermaidText(line)}`),
    ];
  }
  const inner = `${indent}  `;
  const lines = [`${indent}state "${name}" as ${id} {`];
  state.children.forEach((child, i) => {
    if (state.kind === 'parallel' && i > 0) lines.push(`${inner}--`);
    lines.push(...stateLines(context, child, inner), ...noteLines(context, child, inner));
  });
  if (state.initial !== null) lines.push(`${inner}[*] --> ${idOf(context, state.initial)}`);
  for (const child of state.children) {
    if (stateAt(context.chart, child).kind === 'final') {
      lines.push(`${inner}${idOf(context, child)} --> [*]`);
    }
  }
  lines.push(...(context.edges.get(path) ?? []).map((line) => `${inner}${line}`));
  lines.push(`${indent}}`);
  if (path === ROOT) lines.push(...noteLines(context, path, indent));
  return lines;
}

/**
 * A composite's description and invokes, as a note: Mermaid shows description lines only for
 * simple states, where they are written instead (a note's dotted link crosses the diagram).
 */
function noteLines(context: Context, path: string, indent: string): string[] {
  const state = stateAt(context.chart, path);
  if (state.kind !== 'compound' && state.kind !== 'parallel') return [];
  const text = [
    ...descriptionLines(context, state),
    ...state.invokes.map(invokeText),
  ];
  if (text.length === 0) return [];
  return [
    `${indent}note right of ${idOf(context, state.path)}`,
    ...text.map((line) => `${indent}  ${mermaidText(line)}`),
    `${indent}end note`,
  ];
}

function descriptionLines(context: Context, state: ChartState): string[] {
  return context.descriptions && state.description ? wrapWords(state.description, TEXT_WIDTH) : [];
}

/** Transitions drawn as edges (one per target, targetless ones as self-loops). */
export function mermaidEdgeCount(transitions: readonly ChartTransition[]): number {
  return transitions.reduce((sum, t) => sum + Math.max(1, t.targets.length), 0);
}

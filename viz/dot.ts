/**
 * Graphviz DOT for a statechart. Compound and parallel states are clusters (a parallel state's
 * regions are dashed clusters inside it), atomic and final states are nodes, transitions are
 * edges with event, guard, invoke and delay labels. Every state and transition carries a stable
 * SVG id and classes, so a viewer can restyle a rendered chart without laying it out again:
 * `state:<path>` (class `state <kind>`, plus `active`), `t<n>` for the edge of
 * `chart.transitions[n]` (`t<n>.<k>` for its k-th extra target, `a_t<n>` for an internal one
 * drawn inside its state), `initial:<path>` / `entry:<path>` for initial dots and their edges;
 * the graph itself is `statechart`.
 *
 * `toDot(machine, { active })` highlights exactly the given state paths; the chart walk is
 * cached per machine, so a per-step call only assembles text.
 */
import type { AnyStateMachine } from 'xstate';
import { activeSet } from './active.ts';
import { isWithin, ROOT, stateAt } from './chart.ts';
import type { Chart, ChartState, ChartTransition } from './chart.ts';
import { edgeLabel, edgeTooltip, quote, stateLabel } from './dot-labels.ts';
import { chartOf } from './structure.ts';

export interface DotOptions {
  /** State paths to highlight, e.g. `activePaths(snapshot.value)`; exactly these are marked. */
  readonly active?: Iterable<string>;
  /** Print state descriptions inside the states (default true). */
  readonly descriptions?: boolean;
}

const ACTIVE_FILL = '#ffd54f';
const ACTIVE_CLUSTER_FILL = '#fff3cd';
const ACTIVE_LINE = '#b26a00';

interface Context {
  readonly chart: Chart;
  readonly active: ReadonlySet<string>;
  readonly descriptions: boolean;
  /** Targetless transitions by source path: drawn inside their state. */
  readonly internal: ReadonlyMap<string, ChartTransition[]>;
}

/** The machine's statechart as a DOT digraph. Throws on an active path the machine lacks. */
export function toDot(machine: AnyStateMachine, options: DotOptions = {}): string {
  return chartToDot(chartOf(machine), options);
}

/** The same, from an already walked chart. */
export function chartToDot(chart: Chart, options: DotOptions = {}): string {
  const context: Context = {
    chart,
    active: activeSet(chart, options.active),
    descriptions: options.descriptions ?? true,
    internal: internalTransitions(chart),
  };
  const lines = [
    `digraph ${quote(chart.id)} {`,
    // newrank would rank across clusters and stack a parallel state's regions vertically.
    '  compound=true; rankdir=TB; nodesep=0.3; ranksep=0.4; labelloc=t;',
    '  fontname="Helvetica"; fontsize=11;',
    '  node [fontname="Helvetica", fontsize=11, shape=box, style="rounded,filled",'
      + ' fillcolor="#ffffff", color="#4a5561", margin="0.12,0.05"];',
    '  edge [fontname="Helvetica", fontsize=9, color="#59636e", fontcolor="#2d333a",'
      + ' arrowsize=0.7];',
    ...stateLines(context, ROOT, '  '),
    ...allEdgeLines(context),
    '}',
  ];
  return `${lines.join('\n')}\n`;
}

const internals = new WeakMap<Chart, Map<string, ChartTransition[]>>();

/** Targetless transitions by source, drawn inside their state; computed once per chart. */
function internalTransitions(chart: Chart): ReadonlyMap<string, ChartTransition[]> {
  let bySource = internals.get(chart);
  if (!bySource) {
    bySource = new Map();
    for (const t of chart.transitions) {
      if (t.targets.length === 0) bySource.set(t.source, [...(bySource.get(t.source) ?? []), t]);
    }
    internals.set(chart, bySource);
  }
  return bySource;
}

/**
 * The DOT node an edge to or from a state attaches to: the state's own node, or for a cluster
 * an invisible anchor inside it (the edge is then clipped at the cluster's border). The initial
 * dot is not used as the anchor: edges would drag it away from the top of its cluster.
 */
function nodeName(state: ChartState): string {
  if (!hasChildren(state)) return quote(`state:${state.path}`);
  if (state.path === ROOT) return initialName(state);
  return quote(`anchor:${state.path}`);
}

function initialName(state: ChartState): string {
  return quote(`initial:${state.path}`);
}

function hasChildren(state: ChartState): boolean {
  return state.kind === 'compound' || state.kind === 'parallel';
}

function clusterName(state: ChartState): string {
  return quote(`cluster_state:${state.path}`);
}

/** The root is the graph itself (its label is the title), not a box around everything. */
function isCluster(state: ChartState): boolean {
  return hasChildren(state) && state.path !== ROOT;
}

function stateLines(context: Context, path: string, indent: string): string[] {
  const state = stateAt(context.chart, path);
  if (path === ROOT) return rootLines(context, state, indent);
  if (isCluster(state)) return clusterLines(context, state, indent);
  return [nodeLine(context, state, indent)];
}

function rootLines(context: Context, root: ChartState, indent: string): string[] {
  const on = context.active.has(root.path);
  return [
    // Not `state:`: Graphviz prefixes the graph's id to every generated SVG id.
    `${indent}id=${quote('statechart')}; class=${quote(`state root${on ? ' active' : ''}`)};`,
    `${indent}label=${labelOf(context, root)};`,
    ...anchorLines(context, root, indent),
    ...root.children.flatMap((child) => stateLines(context, child, indent)),
  ];
}

function nodeLine(context: Context, state: ChartState, indent: string): string {
  const on = context.active.has(state.path);
  const attributes = [
    `id=${quote(`state:${state.path}`)}`,
    `class=${quote(`state ${state.kind}${on ? ' active' : ''}`)}`,
  ];
  if (state.kind === 'history') {
    attributes.push('shape=circle', `label=${quote(state.history === 'deep' ? 'H*' : 'H')}`);
  } else {
    attributes.push(`label=${labelOf(context, state)}`);
  }
  if (state.kind === 'final') attributes.push('peripheries=2');
  if (state.description) attributes.push(`tooltip=${quote(state.description)}`);
  if (on) attributes.push(`fillcolor="${ACTIVE_FILL}"`, `color="${ACTIVE_LINE}"`, 'penwidth=2.5');
  return `${indent}${nodeName(state)} [${attributes.join(', ')}];`;
}

/** Labels depend on the chart only, not on highlighting: built once per state and setting. */
const labels = new WeakMap<ChartState, { described?: string; plain?: string }>();

function labelOf(context: Context, state: ChartState): string {
  const cached = labels.get(state) ?? {};
  labels.set(state, cached);
  const slot = context.descriptions ? 'described' : 'plain';
  cached[slot] ??= buildLabel(context, state);
  return cached[slot];
}

function buildLabel(context: Context, state: ChartState): string {
  return stateLabel({
    state,
    title: state.path === ROOT ? context.chart.id : state.key,
    internal: context.internal.get(state.path) ?? [],
    descriptions: context.descriptions,
    ...(state.path === ROOT ? { titleSize: 14 } : {}),
  });
}

function clusterLines(context: Context, state: ChartState, indent: string): string[] {
  const on = context.active.has(state.path);
  const styles = ['rounded', ...(state.region ? ['dashed'] : []), ...(on ? ['filled'] : [])];
  const role = state.region ? 'region' : state.kind;
  const inner = `${indent}  `;
  const lines = [
    `${indent}subgraph ${clusterName(state)} {`,
    `${inner}id=${quote(`state:${state.path}`)};`,
    `${inner}class=${quote(`state ${role}${on ? ' active' : ''}`)};`,
    `${inner}label=${labelOf(context, state)};`,
    `${inner}style=${quote(styles.join(','))}; color=${quote(on ? ACTIVE_LINE : '#4a5561')};`,
    `${inner}penwidth=${on ? 2.5 : state.kind === 'parallel' ? 1.6 : 1};`,
  ];
  if (on) lines.push(`${inner}fillcolor="${ACTIVE_CLUSTER_FILL}";`);
  if (state.description) lines.push(`${inner}tooltip=${quote(state.description)};`);
  lines.push(...anchorLines(context, state, inner));
  for (const child of state.children) lines.push(...stateLines(context, child, inner));
  lines.push(`${indent}}`);
  return lines;
}

/** The edge anchor of a cluster, and the initial pseudo-state dot with its edge. */
function anchorLines(context: Context, state: ChartState, indent: string): string[] {
  const lines: string[] = [];
  if (isCluster(state)) {
    lines.push(`${indent}${nodeName(state)} [id=${nodeName(state)}, shape=point, style=invis,`
      + ' width=0.01, label=""];');
  }
  if (state.initial === null) return lines;
  const target = stateAt(context.chart, state.initial);
  const head = isCluster(target) ? `, lhead=${clusterName(target)}` : '';
  lines.push(
    `${indent}${initialName(state)} [id=${initialName(state)}, class="initial", shape=circle,`
      + ' style=filled, fillcolor="#2d333a", color="#2d333a", width=0.14, fixedsize=true,'
      + ' label=""];',
    `${indent}${initialName(state)} -> ${nodeName(target)} [id=${quote(`entry:${state.path}`)},`
      + ` class="initial"${head}];`,
  );
  // Invisible edges keep the dot above its siblings: other edges would otherwise rank it anywhere.
  for (const child of state.children) {
    if (child !== state.initial) {
      const sibling = nodeName(stateAt(context.chart, child));
      lines.push(`${indent}${initialName(state)} -> ${sibling} [style=invis];`);
    }
  }
  return lines;
}

/** Edges do not depend on the options: built once per chart. */
const edges = new WeakMap<Chart, readonly string[]>();

function allEdgeLines(context: Context): readonly string[] {
  let lines = edges.get(context.chart);
  if (!lines) {
    lines = context.chart.transitions.flatMap((t) => edgeLines(context, t));
    edges.set(context.chart, lines);
  }
  return lines;
}

function edgeLines(context: Context, t: ChartTransition): string[] {
  const source = stateAt(context.chart, t.source);
  return t.targets.map((path, k) => {
    const target = stateAt(context.chart, path);
    const attributes = [
      `id=${quote(k === 0 ? `t${t.index}` : `t${t.index}.${k}`)}`,
      `class=${quote(`transition ${t.trigger.kind}`)}`,
      `label=${quote(edgeLabel(t))}`,
      `tooltip=${quote(edgeTooltip(t))}`,
      ...edgeStyle(t),
    ];
    // Clip at a cluster's border only when the other end lies outside it (Graphviz rule).
    if (isCluster(source) && !isWithin(target.path, source.path)) {
      attributes.push(`ltail=${clusterName(source)}`);
    }
    if (isCluster(target) && !isWithin(source.path, target.path)) {
      attributes.push(`lhead=${clusterName(target)}`);
    }
    return `  ${nodeName(source)} -> ${nodeName(target)} [${attributes.join(', ')}];`;
  });
}

function edgeStyle(t: ChartTransition): string[] {
  switch (t.trigger.kind) {
    case 'error':
      return ['color="#b03a2e"', 'fontcolor="#b03a2e"'];
    case 'always':
      return ['style=dashed'];
    case 'after':
      return ['style=dotted', 'penwidth=1.4'];
    default:
      return [];
  }
}

/**
 * Graphviz text for states: HTML-like labels (name, description, invoked actors, internal
 * transitions) and the escaping DOT needs. Internal (targetless) transitions are drawn inside
 * their state, UML style (`parameter.set / setParameter`), rather than as self-loops: they
 * neither exit nor re-enter the state, and a box for the root has no place for a loop.
 */
import type { ChartInvoke, ChartState, ChartTransition } from './chart.ts';
import { wrapWords } from './wrap.ts';

/** Characters per line of a state's description. */
const DESCRIPTION_WIDTH = 34;
const DETAIL_SIZE = 9;

/** A DOT double-quoted string. */
export function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Text escaped for an HTML-like label. */
export function html(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export interface StateLabelParts {
  readonly state: ChartState;
  /** The title: the state's key, or the machine id for the root. */
  readonly title: string;
  readonly internal: readonly ChartTransition[];
  readonly descriptions: boolean;
  readonly titleSize?: number;
}

/** The HTML-like label of a state node or cluster. */
export function stateLabel(parts: StateLabelParts): string {
  const { state, title, internal, descriptions } = parts;
  const size = parts.titleSize ? ` point-size="${parts.titleSize}"` : '';
  const rows = [`<tr><td><font${size}><b>${html(title)}</b></font></td></tr>`];
  if (descriptions && state.description) {
    for (const line of wrapWords(state.description, DESCRIPTION_WIDTH)) {
      rows.push(detailRow(`<i>${html(line)}</i>`, '#5f6b76'));
    }
  }
  for (const invoke of state.invokes) rows.push(detailRow(html(invokeText(invoke)), '#1f4e79'));
  for (const t of internal) {
    const cell = { id: `t${t.index}`, tooltip: edgeTooltip(t) };
    rows.push(detailRow(html(internalText(t)), '#333333', cell));
  }
  const table = '<table border="0" cellborder="0" cellspacing="0" cellpadding="1">';
  return `<${table}${rows.join('')}</table>>`;
}

/** A row of small text; a row that is a transition gets its id and tooltip (hover in SVG). */
function detailRow(content: string, color: string, cell?: { id: string; tooltip: string }): string {
  const tooltip = cell ? html(cell.tooltip).replace(/\n/g, '&#10;') : '';
  const attributes = cell ? ` id="${cell.id}" tooltip="${tooltip}"` : '';
  const text = `<font point-size="${DETAIL_SIZE}" color="${color}">${content}</font>`;
  return `<tr><td${attributes}>${text}</td></tr>`;
}

/** `invoke acquireLocks`, or `invoke releaseResources as shutdown` when the id differs. */
export function invokeText(invoke: ChartInvoke): string {
  return invoke.id === invoke.src ? `invoke ${invoke.src}` : `invoke ${invoke.src} as ${invoke.id}`;
}

/** An internal transition as UML writes it inside a state: `event [guard] / action, action`. */
export function internalText(t: ChartTransition): string {
  return t.actions.length > 0 ? `${t.label} / ${t.actions.join(', ')}` : t.label;
}

/** An edge label: the trigger, and the guard on its own (wrapped) lines. */
export function edgeLabel(t: ChartTransition): string {
  const at = t.label.indexOf(' [');
  if (at < 0) return t.label;
  return [t.label.slice(0, at), ...wrapWords(t.label.slice(at + 1), 30)].join('\n');
}

/** An edge tooltip (SVG `<title>`): description and actions, for readers who hover. */
export function edgeTooltip(t: ChartTransition): string {
  const parts = [t.label];
  if (t.description) parts.push(t.description);
  if (t.actions.length > 0) parts.push(`actions: ${t.actions.join(', ')}`);
  return parts.join('\n');
}

/**
 * Mermaid's lexical rules for `stateDiagram-v2`, kept in one place: state ids, and escaping of
 * text that Mermaid would otherwise read as syntax (a `:` or `;` ends a label, `#` starts a
 * comment). Mermaid decodes `#58;`-style entity codes before it parses, so they are the escape.
 */
import { ROOT, type Chart } from './chart.ts';

const ENTITY: Readonly<Record<string, string>> = {
  '#': '#35;', ':': '#58;', ';': '#59;', '"': '#quot;',
};

/** Label or note text with Mermaid's syntax characters replaced by entity codes. */
export function mermaidText(text: string): string {
  return text.replace(/[#:;"]/g, (char) => ENTITY[char] ?? char);
}

/**
 * A Mermaid id for every state: `<machine>_<path with _>`, e.g. `domain_active_vcpus_running`;
 * the root is the machine id. Ids never equal a state's key (Mermaid drops a state's title when
 * its id equals its name and it has description lines), contain only word characters (the
 * `class` statement accepts nothing else) and are unique.
 */
export function mermaidIds(chart: Chart): ReadonlyMap<string, string> {
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  for (const path of chart.states.keys()) {
    const base = (path === ROOT ? chart.id : `${chart.id}_${path}`).replace(/\W/g, '_');
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
    taken.add(id);
    ids.set(path, id);
  }
  return ids;
}

/**
 * Active-state paths: what a diagram highlights. A snapshot's `value` names only the states it
 * is in; a reader expects every enclosing state lit too, so `activePaths` lists ancestors as well.
 */
import type { StateValue } from 'xstate';
import type { Chart } from './chart.ts';

/**
 * Every active state's path in a snapshot value, ancestors included, root excluded:
 * `{ active: { vcpus: 'running', devices: 'idle' } }` → `active`, `active.vcpus`,
 * `active.vcpus.running`, `active.devices`, `active.devices.idle`.
 */
export function activePaths(value: StateValue): string[] {
  const out: string[] = [];
  const visit = (node: StateValue, prefix: string): void => {
    if (typeof node === 'string') {
      out.push(join(prefix, node));
      return;
    }
    for (const [key, child] of Object.entries(node)) {
      const path = join(prefix, key);
      out.push(path);
      if (child !== undefined) visit(child, path);
    }
  };
  visit(value, '');
  return out;
}

function join(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

/** The requested paths that name no state of `chart` (empty when all are valid). */
export function unknownPaths(chart: Chart, paths: Iterable<string>): string[] {
  return [...paths].filter((path) => !chart.states.has(path));
}

/** The requested paths as a set, failing on any path the chart does not have. */
export function activeSet(chart: Chart, paths: Iterable<string> | undefined): ReadonlySet<string> {
  const set = new Set(paths ?? []);
  const unknown = unknownPaths(chart, set);
  if (unknown.length > 0) {
    const names = unknown.map((path) => `'${path}'`).join(', ');
    throw new Error(`machine '${chart.id}' has no state ${names}`);
  }
  return set;
}

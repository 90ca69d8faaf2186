/**
 * Renders an XState v5 guard as readable text: a named guard by its name, the `and`/`or`/`not`
 * combinators as words (`isNewDisk and vcpusSettled`), `stateIn('#domain.active.devices.idle')`
 * as `in active.devices.idle`.
 *
 * XState keeps combinators as functions carrying their operands (`guards`, `stateValue`); those
 * properties are the only structure available, so they are read here and nowhere else.
 */

interface GuardFunction {
  (...args: never[]): unknown;
  readonly guards?: readonly unknown[];
  readonly stateValue?: unknown;
}

/**
 * The guard as text, or `null` when there is none.
 * @param guard a `TransitionDefinition.guard` (string, `{ type, params }`, or combinator)
 * @param machineId the machine's id, stripped from `stateIn('#<id>.…')` references
 */
export function guardText(guard: unknown, machineId: string): string | null {
  if (guard === undefined || guard === null) return null;
  return render(guard, machineId, false);
}

function render(guard: unknown, machineId: string, nested: boolean): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return renderFunction(guard as GuardFunction, machineId, nested);
  if (typeof guard === 'object' && guard !== null && 'type' in guard) {
    const { type, params } = guard as { type: unknown; params?: unknown };
    return `${String(type)}${paramsText(params)}`;
  }
  return 'guard';
}

function renderFunction(guard: GuardFunction, machineId: string, nested: boolean): string {
  if ('stateValue' in guard) return `in ${stateValueText(guard.stateValue, machineId)}`;
  const operands = guard.guards;
  if (Array.isArray(operands)) {
    if (guard.name === 'not') return `not ${render(operands[0], machineId, true)}`;
    if (guard.name === 'and' || guard.name === 'or') {
      const text = operands
        .map((operand) => render(operand, machineId, true))
        .join(` ${guard.name} `);
      return nested && operands.length > 1 ? `(${text})` : text;
    }
  }
  return guard.name && guard.name !== 'anonymous' ? guard.name : 'inline guard';
}

function paramsText(params: unknown): string {
  if (params === undefined || typeof params === 'function') return '';
  return `(${JSON.stringify(params)})`;
}

/** `#domain.active.idle` → `active.idle`; `{ a: 'b' }` → `a.b`; other ids stay `#id`. */
function stateValueText(value: unknown, machineId: string): string {
  if (typeof value === 'string') {
    if (value === `#${machineId}`) return machineId;
    if (value.startsWith(`#${machineId}.`)) return value.slice(machineId.length + 2);
    return value;
  }
  if (typeof value === 'object' && value !== null) return leafPaths(value).join(' & ');
  return String(value);
}

function leafPaths(value: object, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof child === 'string') return [`${path}.${child}`];
    if (typeof child === 'object' && child !== null && Object.keys(child).length > 0) {
      return leafPaths(child, path);
    }
    return [path];
  });
}

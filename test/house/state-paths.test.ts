/**
 * Only `machines/` names the statecharts' states: product code outside it asks the named
 * predicates of `machines/states.ts`, which are checked against the definitions. This scans the
 * product code for string literals that spell a state path, so a state renamed in a machine
 * cannot leave a step silently never enabled somewhere else.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CATALOG, stateNodes, statePath } from '../../machines/catalog.ts';
import { DomainIn, ManagerIn, ProcessIn } from '../../machines/states.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Product code: everything but the machines themselves, tests, docs, dependencies and the build. */
const SKIP = new Set(['machines', 'test', 'docs', 'node_modules', 'examples', '.git', 'scenarios',
  'dist']);

/**
 * Single-word state names that are also words of another vocabulary, where a literal means the
 * other thing: XState's snapshot status (`active`), the manager's beliefs about a resource
 * (`declared`, `held`, `released`, `unknown`).
 */
const OTHER_MEANINGS = new Set(['active', 'declared', 'held', 'released', 'unknown']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return dir === ROOT && SKIP.has(name) ? [] : sourceFiles(path);
    return /\.(ts|mjs|js)$/.test(name) ? [path] : [];
  });
}

const statePaths = new Set(CATALOG.flatMap((entry) => stateNodes(entry.machine).map(statePath))
  .filter((path) => path.includes('.') || !OTHER_MEANINGS.has(path)));

describe('state paths', () => {
  it('are spelled nowhere outside machines/ in product code', () => {
    const spelled: string[] = [];
    for (const file of sourceFiles(ROOT)) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/'([A-Za-z.]+)'/g)) {
        if (!statePaths.has(match[1]!)) continue;
        const line = text.slice(0, match.index).split('\n').length;
        spelled.push(`${relative(ROOT, file)}:${line}: '${match[1]}'`);
      }
    }
    expect(spelled).toEqual([]);
  });

  it('the scan sees a state path spelled in a product file', () => {
    // The scan's own control: the literal below is what it must find in product code.
    expect(statePaths.has('alive.running')).toBe(true);
    expect([...'x'.matchAll(/'([A-Za-z.]+)'/g)]).toEqual([]);
    expect([..."f('outgoing.begun')".matchAll(/'([A-Za-z.]+)'/g)].map((m) => m[1]))
      .toEqual(['outgoing.begun']);
  });

  it('are named by predicates that exist in the machines', () => {
    for (const predicates of [DomainIn, ProcessIn, ManagerIn]) {
      for (const predicate of Object.values(predicates)) {
        for (const path of predicate.path.split('|')) expect(statePaths.has(path) ||
          OTHER_MEANINGS.has(path)).toBe(true);
      }
    }
  });
});

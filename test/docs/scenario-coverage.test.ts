/**
 * `docs/scenarios.md` states how many scenario files there are and, for each of the 30 cases of
 * reference §6, which scenarios reproduce it and the verdict each reaches. Every verdict is
 * recomputed here by running the scenario, the count by listing `scenarios/`, and every other
 * file the table names must exist: the page cannot drift from what the runs find.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenario, runScenario } from '../../sim/scenario/run.ts';

const DOC = 'docs/scenarios.md';
const text = readFileSync(DOC, 'utf8');

interface CaseRow {
  readonly item: number;
  readonly scenarios: readonly string[];
  readonly verdicts: readonly string[];
  readonly also: string;
}

function coverageRows(): CaseRow[] {
  const table = /<!-- coverage:begin -->\n([\s\S]*?)\n<!-- coverage:end -->/.exec(text)?.[1];
  if (!table) throw new Error(`${DOC}: no coverage table between the markers`);
  return table.split('\n').slice(2).map((line) => {
    const [item, , scenarios, verdicts, also] = line.split(' | ').map((cell) => cell.replace(/^\|\s*|\s*\|$/g, '').trim());
    const names = [...scenarios!.matchAll(/`([\w-]+)`/g)].map((m) => m[1]!);
    return { item: Number(item), scenarios: names,
      verdicts: verdicts === '—' ? [] : verdicts!.split(';').map((v) => v.trim()), also: also! };
  });
}

const rows = coverageRows();

describe('docs/scenarios.md: the coverage of reference §6', () => {
  it('states the number of scenario files there are', () => {
    const count = readdirSync('scenarios').filter((file) => file.endsWith('.scenario')).length;
    expect(text).toContain(`<!-- scenario-count -->**${count} scenario files**`);
  });

  it('has one row per case, 1 to 30, each reproduced, deferred to issue 15, or explained', () => {
    expect(rows.map((row) => row.item)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    for (const row of rows) {
      expect(row.verdicts, `§6 #${row.item}`).toHaveLength(row.scenarios.length);
      if (row.scenarios.length > 0 || row.also === 'sanlock (issue 15)') continue;
      expect(row.also, `§6 #${row.item}: a test that reproduces it, or why it cannot be`).toMatch(/`[\w./-]+`|cannot|not modelled/);
    }
  });

  it('names only files that exist', () => {
    const named = [...text.matchAll(/`((?:test|drivers|docs|sim)\/[\w./-]+)`/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(4);
    for (const path of named) expect(existsSync(path), path).toBe(true);
  });

  for (const row of rows) {
    row.scenarios.forEach((name, i) => {
      it(`§6 #${row.item}: ${name} → ${row.verdicts[i]}`, async () => {
        const result = await runScenario(loadScenario(`scenarios/${name}.scenario`));
        expect(result.passed, result.message).toBe(true);
        expect(result.found).toBe(row.verdicts[i]);
      });
    });
  }
});

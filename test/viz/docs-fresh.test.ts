import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../machines/catalog.ts';
import { DIAGRAMS_DIR, diagramFiles, REGENERATE } from '../../viz/docs.ts';

const dir = join(fileURLToPath(new URL('../..', import.meta.url)), DIAGRAMS_DIR);

describe(`${DIAGRAMS_DIR}/`, () => {
  it('has Mermaid and SVG for every catalogued machine, and a README embedding them', async () => {
    const files = await diagramFiles();
    for (const entry of CATALOG) {
      expect(files.get(`${entry.name}.mmd`)?.startsWith('stateDiagram-v2\n')).toBe(true);
      expect(files.get(`${entry.name}.svg`)).toMatch(/^<\?xml[\s\S]*<\/svg>\s*$/);
      expect(files.get('README.md')).toContain(`](${entry.name}.svg)`);
    }
  });

  it(`matches the machine definitions (if not, run \`${REGENERATE}\`)`, async () => {
    const files = await diagramFiles();
    const stale = [...files]
      .filter(([name, text]) => {
        const file = join(dir, name);
        return !existsSync(file) || readFileSync(file, 'utf8') !== text;
      })
      .map(([name]) => name);
    const orphans = existsSync(dir)
      ? readdirSync(dir).filter((name) => /\.(mmd|svg)$/.test(name) && !files.has(name))
      : [];
    const problems = [
      ...stale.map((name) => `${name} is stale or missing`),
      ...orphans.map((name) => `${name} is orphaned`),
    ];
    expect(problems, `${DIAGRAMS_DIR}: ${problems.join('; ')}; run \`${REGENERATE}\``).toEqual([]);
  });
});

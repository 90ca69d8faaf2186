/**
 * No import goes up the layers (`docs/architecture.md`, "Layers"): a folder imports only from
 * itself and from folders in lower layers. The scan reads every relative import of the product
 * code, so a new upward import fails here, naming the file and what it imports.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Lowest first. Folders in one layer never import each other. */
export const LAYERS: readonly (readonly string[])[] = [
  ['contract', 'system'],
  ['machines', 'drivers'],
  ['daemons', 'api'],
  ['conformance', 'sim'],
  ['real'],
  ['matrix', 'viz'],
  ['cli'],
  ['bin'],
];

const layerOf = new Map(LAYERS.flatMap((folders, layer) => folders.map((f) => [f, layer] as const)));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs)$/.test(name) ? [path] : [];
  });
}

/** Every relative import of every product file: [file, imported folder]. */
function imports(): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  for (const folder of layerOf.keys()) {
    for (const file of sourceFiles(join(ROOT, folder))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.\.?\/[^'"]+)['"]/g)) {
        const target = relative(ROOT, normalize(join(dirname(file), match[1]!)));
        out.push([relative(ROOT, file), folder, target.split('/')[0]!]);
      }
    }
  }
  return out;
}

describe('the layers', () => {
  it('cover every top-level folder of product code', () => {
    const product = readdirSync(ROOT).filter((name) => statSync(join(ROOT, name)).isDirectory() &&
      !['node_modules', 'test', 'docs', 'bench', 'examples', 'scenarios', '.git', '.ci', 'dist',
        'scripts', 'deploy', '.github']
        .includes(name) && sourceFiles(join(ROOT, name)).length > 0);
    expect(product.filter((name) => !layerOf.has(name))).toEqual([]);
  });

  it('are never crossed upwards, nor sideways within a layer', () => {
    const found = imports();
    expect(found.length).toBeGreaterThan(500);
    const upward = found.filter(([, from, to]) => to !== from && layerOf.has(to) &&
      layerOf.get(to)! >= layerOf.get(from)!)
      .map(([file, from, to]) => `${file} (${from}) imports ${to}`);
    expect(upward).toEqual([]);
  });
});

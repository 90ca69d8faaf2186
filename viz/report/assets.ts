/**
 * The page's static parts, read from `client/` next to this file: the stylesheet and the
 * scripts, concatenated in a fixed order into one script (the page loads nothing else).
 */
import { readFileSync } from 'node:fs';

/** Client scripts in load order; each defines functions the later ones use. */
export const CLIENT_FILES = [
  'data.js', 'cells.js', 'grid.js', 'minimap.js', 'charts.js', 'details.js', 'search.js',
  'keys.js', 'main.js',
] as const;

export interface ReportAssets {
  readonly css: string;
  readonly script: string;
}

let loaded: ReportAssets | undefined;

/** The stylesheet and the client script (read once per process). */
export function reportAssets(): ReportAssets {
  if (!loaded) {
    const read = (name: string) => readFileSync(new URL(`client/${name}`, import.meta.url), 'utf8');
    const script = CLIENT_FILES.map((name) => `// ${name}\n${read(name)}`).join('\n');
    loaded = { css: read('style.css'), script: `(() => {\n'use strict';\n${script}\n})();\n` };
  }
  return loaded;
}

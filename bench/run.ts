/**
 * `npm run bench [filter]`: runs every `bench/*.bench.ts` (or those whose name contains the
 * filter) and prints each figure with the issue's target. Figures are measured here, never in
 * unit tests.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Bench, BenchFigure } from './harness.ts';

const dir = fileURLToPath(new URL('.', import.meta.url));
const filter = process.argv[2];
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter))).sort();

function format(figure: BenchFigure): string {
  const value = figure.value >= 100 ? Math.round(figure.value).toLocaleString('en-US')
    : figure.value.toFixed(figure.value >= 10 ? 1 : 3);
  const target = figure.target ? `  target ${figure.target}` : '';
  const verdict = figure.ok === undefined ? '' : figure.ok ? '  ok' : '  MISSED';
  return `  ${figure.name.padEnd(58)} ${value.padStart(14)} ${figure.unit}${target}${verdict}`;
}

let missed = 0;
for (const file of files) {
  const module = (await import(new URL(file, import.meta.url).href)) as { default: Bench };
  console.log(`${file.replace('.bench.ts', '')}:`);
  for (const figure of await module.default()) {
    console.log(format(figure));
    if (figure.ok === false) missed++;
  }
}
console.log(missed === 0 ? 'all targets met' : `${missed} target(s) missed`);

/**
 * `npm run diagrams`: writes `docs/diagrams/` from the machine definitions, and removes
 * generated diagrams of machines that left the catalogue.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIAGRAMS_DIR, diagramFiles } from './docs.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, DIAGRAMS_DIR);
const files = await diagramFiles();
mkdirSync(dir, { recursive: true });
for (const name of readdirSync(dir)) {
  if (/\.(mmd|svg)$/.test(name) && !files.has(name)) {
    rmSync(join(dir, name));
    console.log(`removed ${DIAGRAMS_DIR}/${name}`);
  }
}
for (const [name, text] of files) writeFileSync(join(dir, name), text);
console.log(`wrote ${files.size} files to ${DIAGRAMS_DIR}/`);

// How a plain .mjs entry (bin/lockchart.mjs, worker threads, child programs) loads one of
// lockchart's modules, named by its TypeScript source: in the compiled package (dist/) the .js
// sibling exists and is imported as it is, with no loader; in a checkout only the .ts source
// exists, and tsx's loader is registered first (once per thread). See program.ts.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let registered = false;

/** Imports the module whose source is `source` (a file: URL ending in .ts). */
export async function importSource(source) {
  const compiled = new URL(source.href.replace(/\.ts$/, '.js'));
  if (existsSync(fileURLToPath(compiled))) return import(compiled.href);
  if (!registered) {
    const { register } = await import('tsx/esm/api');
    register();
    registered = true;
  }
  return import(source.href);
}

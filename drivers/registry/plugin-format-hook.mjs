// A module-resolution hook for driver plugins (see load-module.ts). Plain JavaScript: it runs
// on Node's loader thread, before any TypeScript loader.
//
// tsx decides the format of a `.ts` file from its package scope, and a file outside any package
// with `"type": "module"` (a plugin in the user's home directory, say) is "commonjs" to it. With
// only tsx's ESM hooks registered (`tsx/esm/api`, as lockchart's entry does), such a file then
// goes to Node's CommonJS loader untranspiled; Node 20 sees ES syntax, tries require(esm) on a
// module the ES loader is already loading, and fails: "Cannot require() ES Module … in a cycle".
// Plugins are ES modules by contract, so in a scope that declares no type at all, a TypeScript
// or JavaScript file outside node_modules is an ES module. An explicit "type": "commonjs" is
// left alone (the loader says such a module is not supported), as is everything in
// node_modules.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = /\.(?:ts|tsx|js|jsx)$/;
const scopes = new Map();

/** The nearest package.json's "type" ('module', 'commonjs'), or null when none declares one. */
function packageType(file) {
  const dir = dirname(file);
  if (scopes.has(dir)) return scopes.get(dir);
  let type = null;
  try {
    type = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).type ?? null;
  } catch (error) {
    if (error?.code === 'ENOENT' && dirname(dir) !== dir) type = packageType(dir);
  }
  scopes.set(dir, type);
  return type;
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (resolved.format === 'module' || !resolved.url.startsWith('file:')) return resolved;
  const path = fileURLToPath(resolved.url.split(/[?#]/)[0]);
  if (!SOURCE.test(path) || path.split('/').includes('node_modules')) return resolved;
  return packageType(path) === null ? { ...resolved, format: 'module' } : resolved;
}

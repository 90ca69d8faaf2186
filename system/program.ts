/**
 * lockchart's own programs — the child processes and worker threads it starts — run from
 * wherever lockchart runs: from the TypeScript sources in a checkout (through tsx's loader), or
 * from the compiled JavaScript of an installed package (`npm run build` → `dist/`, plain Node,
 * no loader). Code names a program by its source (`new URL('./x-main.ts', import.meta.url)`);
 * `programPath` turns that into the file that runs here, `nodeArgv` into the command line.
 * Plain `.mjs` entries do the same through `source-import.mjs`.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Whether this is the compiled package (`dist/…/*.js`) rather than the TypeScript sources. */
export const COMPILED = import.meta.url.endsWith('.js');

const require = createRequire(import.meta.url);

/** The file of a program named by its `.ts` source, as it exists here (`.js` when compiled). */
export function programPath(source: URL): string {
  const path = fileURLToPath(source);
  return COMPILED && path.endsWith('.ts') ? `${path.slice(0, -3)}.js` : path;
}

/** tsx's loader as an absolute URL, so that a child started in any directory finds it. */
export function tsxLoader(): string {
  return pathToFileURL(require.resolve('tsx')).href;
}

/** The command line that runs `file` with this Node: through tsx for TypeScript, else plain. */
export function nodeArgv(file: string): string[] {
  return /\.[cm]?tsx?$/.test(file) ? [process.execPath, '--import', tsxLoader(), file]
    : [process.execPath, file];
}

let typeScriptLoader: Promise<void> | undefined;

/**
 * Makes this thread able to import a TypeScript file (a user's `--driver my-driver.ts`). The
 * sources in a checkout already run under a TypeScript loader (tsx, or vitest's); the compiled
 * package registers tsx here, on first need only: nothing else of lockchart needs it at run time.
 * @throws Error with one line when tsx cannot be loaded.
 */
export function ensureTypeScriptLoader(): Promise<void> {
  if (!COMPILED) return Promise.resolve();
  typeScriptLoader ??= import('tsx/esm/api').then(({ register }) => { register(); },
    (error: unknown) => {
      typeScriptLoader = undefined;
      throw new Error(`a TypeScript module needs tsx, which cannot be loaded here ` +
        `(${(error as Error).message.split('\n')[0]}): install it (npm install tsx), or compile ` +
        'the module to JavaScript');
    });
  return typeScriptLoader;
}

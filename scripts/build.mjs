// `npm run build` (and `npm pack`, through prepack): the installable package in dist/.
//
// tsc compiles the product folders (tsconfig.build.json) to JavaScript with declarations,
// rewriting `./x.ts` imports to `./x.js`. Everything else those folders hold that runs or is
// read at run time — the plain .mjs entries (bin, worker threads, child programs), C sources
// built on first use, the HTML report's client files — is copied beside it, at the same
// relative place, so `new URL('./file', import.meta.url)` finds it in dist/ as in the sources.
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');
const config = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8'));
// bin/lockchart.mjs, the command, is shipped as it is (package.json `files`): it finds dist/.
const folders = config.include;

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')],
  { cwd: root, stdio: 'inherit' });
for (const folder of folders) {
  cpSync(join(root, folder), join(dist, folder), {
    recursive: true,
    filter: (source) => !/\.[cm]?ts$/.test(source),
  });
}
console.log(`built ${dist}`);

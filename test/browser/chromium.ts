/**
 * A headless Chromium driven by playwright-core, offline: no browser download ever, a fresh
 * profile per launch, removed on close (also when a test failed).
 *
 * Which browser: Debian's `/usr/bin/chromium` where it is installed (CI installs it), otherwise
 * the Chromium that `@sparticuz/chromium` carries inside its registry tarball (a devDependency),
 * unpacked once into `node_modules/.cache/` — outside the test run's temp directory, so the leak
 * guard never sees it. Where neither can run, `browserUnavailable()` says why, and the tests skip
 * with that reason (never in CI).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync,
  rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';
import { chromium, type BrowserContext } from 'playwright-core';
import { describeWhere } from '../helpers/describe-where.ts';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const NPM_CHROMIUM = '@sparticuz/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A browser that can be launched: its binary and the environment it needs. */
export interface ChromiumBinary {
  readonly executablePath: string;
  readonly env: Readonly<Record<string, string>>;
  /** Where it came from, for logs. */
  readonly source: string;
}

let found: ChromiumBinary | string | undefined;

/** The browser to use, or why there is none. Unpacks the npm one at most once per machine. */
export function locateChromium(): ChromiumBinary | string {
  found ??= locate();
  return found;
}

/** Why no browser can run here, or null when one can. */
export function browserUnavailable(): string | null {
  const located = locateChromium();
  return typeof located === 'string' ? located : null;
}

/** `describe`, or a skip with a printed reason when no browser can run here (never in CI). */
export function describeBrowser(name: string, body: () => void): void {
  describeWhere(browserUnavailable(), name, body);
}

function locate(): ChromiumBinary | string {
  if (existsSync(DEBIAN_CHROMIUM)) {
    return { executablePath: DEBIAN_CHROMIUM, env: {}, source: 'Debian chromium' };
  }
  const packageDir = npmPackageDir();
  if (packageDir === null) {
    return `neither ${DEBIAN_CHROMIUM} nor the npm package ${NPM_CHROMIUM} is installed`;
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return `${NPM_CHROMIUM} carries a linux-x64 browser; this is ${process.platform}-${process.arch}`;
  }
  try {
    return unpacked(packageDir);
  } catch (error) {
    return `cannot unpack ${NPM_CHROMIUM}: ${error instanceof Error ? error.message : error}`;
  }
}

/** The npm package's root: it exports only its entry point, so walk up from there. */
function npmPackageDir(): string | null {
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve(NPM_CHROMIUM));
  } catch {
    return null;
  }
  for (; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'bin', 'chromium.br'))) return dir;
  }
  return null;
}

/**
 * The npm browser, unpacked into a per-version cache directory. Unpacking goes to a private
 * directory first and is renamed into place, so concurrent test files never see half a browser.
 */
function unpacked(packageDir: string): ChromiumBinary {
  const version = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as
    { version: string }).version;
  const cache = join(fileURLToPath(new URL('../../node_modules/.cache/lockchart/', import.meta.url)),
    `chromium-${version}`);
  if (!existsSync(join(cache, 'chromium'))) {
    mkdirSync(dirname(cache), { recursive: true });
    const staging = mkdtempSync(`${cache}.unpacking-`);
    try {
      const bin = join(packageDir, 'bin');
      const inflate = (name: string) => brotliDecompressSync(readFileSync(join(bin, name)));
      writeFileSync(join(staging, 'chromium'), inflate('chromium.br'));
      chmodSync(join(staging, 'chromium'), 0o755);
      for (const archive of ['al2023.tar.br', 'swiftshader.tar.br', 'fonts.tar.br']) {
        const tar = join(staging, archive.replace(/\.br$/, ''));
        writeFileSync(tar, inflate(archive));
        execFileSync('tar', ['-xf', tar, '-C', staging]);
        rmSync(tar);
      }
      // The shipped fonts.conf points at Lambda's /tmp; ours points at the cache itself.
      writeFileSync(join(staging, 'fonts.conf'), '<?xml version="1.0"?>\n<fontconfig>\n' +
        `  <dir>${join(cache, 'fonts')}</dir>\n  <cachedir>${join(cache, 'fonts-cache')}</cachedir>\n` +
        '</fontconfig>\n');
      renameSync(staging, cache);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(join(cache, 'chromium'))) throw error;
      // Another test file unpacked it first.
    }
  }
  return {
    executablePath: join(cache, 'chromium'),
    // The browser needs NSS, NSPR and expat, which the package ships (built for Amazon Linux);
    // a machine with nothing but Node has none of them.
    env: { LD_LIBRARY_PATH: join(cache, 'lib'), FONTCONFIG_PATH: cache },
    source: `${NPM_CHROMIUM} ${version}`,
  };
}

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export interface LaunchOptions {
  readonly viewport?: { readonly width: number; readonly height: number };
  /** Another browser than the located one (tests of a failing launch). */
  readonly binary?: ChromiumBinary;
}

export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const viewport = options.viewport ?? { width: 1600, height: 1000 };
  const binary = options.binary ?? locateChromium();
  if (typeof binary === 'string') throw new Error(`no headless browser: ${binary}`);
  const artifactsBefore = new Set(playwrightArtifacts());
  const profile = mkdtempSync(join(tmpdir(), 'lockchart-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: binary.executablePath, headless: true, args: ARGS, viewport,
      env: { ...process.env as Record<string, string>, ...binary.env },
    });
    return {
      context,
      async close() {
        try {
          await context.close();
        } finally {
          rmSync(profile, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    // A failed launch leaves playwright's artifacts directory behind; it is ours to remove.
    for (const dir of playwrightArtifacts()) {
      if (!artifactsBefore.has(dir)) rmSync(join(tmpdir(), dir), { recursive: true, force: true });
    }
    throw error;
  }
}

/** playwright's per-launch directories in the temp directory. */
export function playwrightArtifacts(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith('playwright-artifacts-'));
}

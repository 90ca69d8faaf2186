/**
 * The libvirt helper is C (`helper/`), compiled by gcc at first use into a cache directory
 * outside any test's TMPDIR (`node_modules/.cache/lockchart/`), named by a hash of its sources
 * and flags: an edit to the source makes a new binary, an unchanged one is reused. The build
 * writes a temporary file and renames it into place, so concurrent test processes never see a
 * half-written binary.
 *
 * `libvirtSupport()` says why the helper cannot run here (no gcc, no libvirt.so.0, no lock-driver
 * plugin, not root), so tests skip with that reason outside CI.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lockError } from '../../contract/errors.ts';

const SOURCE_DIR = fileURLToPath(new URL('./helper/', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CFLAGS = ['-std=gnu11', '-O2', '-Wall', '-Wextra', '-Wno-unused-parameter'];

/** Where distributions put libvirt.so.0 (Debian's multiarch dirs first). */
const LIBRARY_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64',
  '/usr/lib'];

/**
 * The directory holding libvirt.so.0 (package libvirt0) and its `libvirt/lock-driver/` plugins
 * (lockd.so from libvirt-daemon, sanlock.so from libvirt-sanlock), or null.
 */
export function libvirtLibDir(): string | null {
  return LIBRARY_DIRS.find((dir) => existsSync(join(dir, 'libvirt.so.0'))) ?? null;
}

/** Where compiled helpers are kept (outside TMPDIR: the leak guard owns that). */
export function helperCacheDir(): string {
  return join(REPO_ROOT, 'node_modules', '.cache', 'lockchart');
}

function sources(): string[] {
  return readdirSync(SOURCE_DIR).filter((name) => /\.[ch]$/.test(name)).sort();
}

/** The binary's name for the current sources and flags. */
export function helperDigest(): string {
  const hash = createHash('sha256').update(CFLAGS.join(' '));
  for (const name of sources()) hash.update(name).update('\0').update(readFileSync(join(SOURCE_DIR, name)));
  return hash.digest('hex').slice(0, 16);
}

function commandExists(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why libvirt's lock manager cannot be driven here, or null when it can.
 * @param plugin the lock-driver plugin that must be installed (`lockd`, `sanlock`).
 */
export function libvirtSupport(plugin = 'lockd'): string | null {
  if (process.platform !== 'linux') return 'libvirt\'s lock manager is driven on Linux only';
  const lib = libvirtLibDir();
  if (lib === null) return 'libvirt.so.0 is not installed (libvirt0)';
  const so = join(lib, 'libvirt', 'lock-driver', `${plugin}.so`);
  if (!existsSync(so)) {
    return `${so} is not installed (${plugin === 'sanlock' ? 'libvirt-sanlock' : 'libvirt-daemon'})`;
  }
  if (process.getuid?.() !== 0) {
    return 'the helper needs root (a private mount namespace per host, and lockd.so talks to ' +
      'a root virtlockd)';
  }
  if (!existsSync(helperPathFor(helperDigest())) && !commandExists('gcc')) {
    return 'gcc is not installed (the libvirt helper is compiled at first use)';
  }
  return null;
}

function helperPathFor(digest: string): string {
  return join(helperCacheDir(), `libvirt-helper-${digest}`);
}

/**
 * The compiled helper's path, building it first if the sources changed.
 * @throws CONFIG_UNSUPPORTED when gcc is missing or the build fails (with gcc's output).
 */
export function ensureHelper(): string {
  const path = helperPathFor(helperDigest());
  if (existsSync(path)) return path;
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.tmp`;
  try {
    execFileSync('gcc', [...CFLAGS, '-o', partial, ...sources().filter((name) => name.endsWith('.c'))
      .map((name) => join(SOURCE_DIR, name)), '-ldl'], { stdio: ['ignore', 'pipe', 'pipe'] });
    renameSync(partial, path);
  } catch (error) {
    rmSync(partial, { force: true });
    const output = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw lockError('CONFIG_UNSUPPORTED', `cannot build the libvirt helper: ${output ||
      (error as Error).message}`, { operation: 'build', driver: 'libvirt' });
  }
  return path;
}

/**
 * A command prefix that makes a program die with this process, even by SIGKILL: the helper
 * sets PR_SET_PDEATHSIG and execs the program in place (the signal survives exec). With
 * `privateRun` the program also gets a private /run (a virtlockd's re-exec state and fallback
 * sockets stay out of the machine's /run: `daemons/virtlockd.ts`, `privateRun`).
 */
export function parentDeathWrapper(options: { privateRun?: boolean } = {}): string[] {
  return [ensureHelper(), 'exec-pdeath', String(process.pid),
    ...(options.privateRun ? ['--private-run'] : []), '--'];
}

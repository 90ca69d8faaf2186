/**
 * Storage faults for a real sanlock daemon: an LD_PRELOAD shim (`storage-fault-shim.c`, built by
 * gcc on first use into a cache keyed by its source) that makes the daemon's read(2)/write(2) on
 * one lease file fail with EIO, or block, while a control file exists.
 *
 * Why a shim and not FUSE or device-mapper: there is no device-mapper here (no dm-error or
 * dm-flakey), and a FUSE file system would need a FUSE daemon in the test (libfuse bindings or a
 * second program) plus /dev/fuse in CI containers; the shim needs only gcc, already required,
 * and it fails exactly the daemon's own I/O to exactly one file, so other daemons and the test
 * itself are unaffected. Its limit: the daemon must use plain read/write (`-a 0`); with libaio
 * its I/O bypasses the shim. Reference §6 measured the same shim.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync }
  from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lockError } from '../../../contract/errors.ts';

const SOURCE = fileURLToPath(new URL('./storage-fault-shim.c', import.meta.url));
/** Build output lives with the other tool caches of the checkout, not in a temp dir. */
const CACHE_DIR = fileURLToPath(new URL('../../../node_modules/.cache/lockchart/', import.meta.url));

/**
 * The shim's shared object, built with gcc if this source was not built before.
 * @throws SYSTEM_ERROR when gcc is missing or fails (its output is quoted).
 */
export function buildStorageFaultShim(): string {
  const source = readFileSync(SOURCE);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const target = join(CACHE_DIR, `storage-fault-shim-${hash}.so`);
  if (existsSync(target)) return target;
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = `${target}.${process.pid}.tmp`;
  try {
    execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-Wall', '-o', partial, SOURCE, '-ldl'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    renameSync(partial, target); // atomic: a concurrent build never sees half a file
  } catch (error) {
    rmSync(partial, { force: true });
    const output = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw lockError('SYSTEM_ERROR', `cannot build the storage fault shim with gcc: ` +
      `${output || (error as Error).message}`, { operation: 'build' });
  }
  return target;
}

/** One injectable storage fault on one file, for one daemon started with `env()`. */
export class StorageFault {
  readonly file: string;

  /**
   * @param file the lease file whose I/O is to fail (its directory must exist: the real path is
   *   what the daemon's /proc/self/fd shows).
   * @param controlDir a private directory for the control files.
   */
  constructor(file: string, readonly controlDir: string, private readonly shim: string) {
    this.file = join(realpathSync(dirname(file)), basename(file));
  }

  /** The environment a daemon needs to be subject to this fault (start it with `-a 0`). */
  env(): Record<string, string> {
    return { LD_PRELOAD: this.shim, LOCKCHART_FAULT_FILE: this.file,
      LOCKCHART_FAULT_CTL: this.controlDir };
  }

  /** From now on the daemon's reads and writes of the file fail with EIO. */
  failWithEio(): void {
    writeFileSync(join(this.controlDir, 'eio'), '');
  }

  /** From now on the daemon's reads and writes of the file block. */
  stall(): void {
    writeFileSync(join(this.controlDir, 'hang'), '');
  }

  /** The file works again. */
  heal(): void {
    rmSync(join(this.controlDir, 'eio'), { force: true });
    rmSync(join(this.controlDir, 'hang'), { force: true });
  }
}

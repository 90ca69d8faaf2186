/**
 * Output paths (`--trace`, `-o`, `--out`, `--traces`, `--inspect FILE`) are checked before any
 * work starts, so a run is never lost to a path that cannot be written at its end, and a bad
 * path gets one line instead of a stack trace or a hang (a recursive mkdir under /proc spins).
 *
 * A file must be a regular file, or a new name in an existing, writable directory, on a
 * filesystem that stores files (not procfs, sysfs…); it must not be one of the command's own
 * inputs unless the user says `--overwrite`. A directory must be one, or be creatable: its
 * nearest existing ancestor is a writable directory on such a filesystem.
 */
import { accessSync, constants, statfsSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CliError } from './command.ts';

/** Filesystems that hold no files of ours (statfs f_type magic numbers, linux/magic.h). */
const PSEUDO_FILESYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'procfs'], [0x62656572, 'sysfs'], [0x1cd1, 'devpts'], [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'], [0x64626720, 'debugfs'], [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'], [0xcafe4a11, 'bpf'],
]);

function statOf(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') return null;
    throw error;
  }
}

function fail(flag: string, path: string, why: string): never {
  throw new CliError(`${flag} ${path}: ${why}`);
}

/** The nearest ancestor of `path` that exists (the path itself if it does). */
function nearestExisting(path: string): { path: string; stat: Stats } {
  for (let current = resolve(path); ; current = dirname(current)) {
    const stat = statOf(current);
    if (stat) return { path: current, stat };
    if (dirname(current) === current) throw new Error(`invariant: '/' does not exist`);
  }
}

function checkFilesystem(flag: string, path: string, existing: string): void {
  let type: number;
  try {
    type = Number(statfsSync(existing).type);
  } catch {
    return;
  }
  const pseudo = PSEUDO_FILESYSTEMS.get(type);
  if (pseudo) fail(flag, path, `${existing} is on ${pseudo}, a kernel filesystem: no file can be written there`);
}

function writable(flag: string, path: string, where: string, mode: number): void {
  try {
    accessSync(where, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    fail(flag, path, `${where} is not writable (${code})`);
  }
}

export interface OutputFileOptions {
  /** The command's own input files: the output must not be one of them. */
  readonly inputs?: readonly string[];
  /** The user passed `--overwrite`: an input may be replaced. */
  readonly overwrite?: boolean;
}

/** Checks that `path` can be written as a file; throws a one-line CliError when not. */
export function checkOutputFile(path: string, flag: string, options: OutputFileOptions = {}): void {
  if (path === '') throw new CliError(`${flag} needs a file name`);
  const stat = statOf(path);
  if (stat) {
    if (stat.isDirectory()) fail(flag, path, 'is a directory; give a file name');
    if (!stat.isFile()) fail(flag, path, 'is not a regular file (a device, a FIFO or a socket)');
    checkFilesystem(flag, path, path);
    writable(flag, path, path, constants.W_OK);
    for (const input of options.inputs ?? []) {
      const other = statOf(input);
      if (other && other.dev === stat.dev && other.ino === stat.ino && !options.overwrite) {
        fail(flag, path, `is this command's own input; pass --overwrite to replace it`);
      }
    }
    return;
  }
  const parent = dirname(resolve(path));
  const parentStat = statOf(parent);
  if (!parentStat) fail(flag, path, `directory ${parent} does not exist`);
  if (!parentStat.isDirectory()) fail(flag, path, `${nearestExisting(parent).path} is not a directory`);
  checkFilesystem(flag, path, parent);
  writable(flag, path, parent, constants.W_OK | constants.X_OK);
}

/** Checks that `path` is, or can be made, a writable directory. */
export function checkOutputDirectory(path: string, flag: string): void {
  if (path === '') throw new CliError(`${flag} needs a directory name`);
  const existing = nearestExisting(path);
  if (!existing.stat.isDirectory()) {
    fail(flag, path, existing.path === resolve(path) ? 'is not a directory'
      : `${existing.path} is not a directory`);
  }
  checkFilesystem(flag, path, existing.path);
  writable(flag, path, existing.path, constants.W_OK | constants.X_OK);
}

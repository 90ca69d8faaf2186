/**
 * The indirect lockspace directory: created mode 0700 if missing, and refused if it is not a
 * private directory of ours (a symlink, another owner, group or world access), because anyone
 * who can write into it can plant a symlink or pre-create lock files and so defeat the locks.
 */
import { lstatSync, mkdirSync } from 'node:fs';
import { lockError } from '../../contract/errors.ts';
import { errorCode, systemError } from './system-error.ts';

/**
 * Creates the lockspace if needed and checks it.
 * @throws CONFIG_UNSUPPORTED for a relative path, a symlink, a non-directory, a directory owned
 *   by someone else or open to group/others; SYSTEM_ERROR when it cannot be created or read.
 */
export function ensureLockspace(dir: string, driver: string): void {
  const where = { operation: 'init', driver };
  if (!dir.startsWith('/')) {
    throw lockError('CONFIG_UNSUPPORTED', `lockspace_dir must be an absolute path, got '${dir}'`,
      where);
  }
  try {
    // mkdir never follows a symlink in the last component: an existing link is EEXIST.
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if (errorCode(error) === 'ENOENT') {
      mkdirSync(dir, { mode: 0o700, recursive: true });
    } else if (errorCode(error) !== 'EEXIST') {
      throw systemError(error, `cannot create lockspace '${dir}'`, where);
    }
  }
  let stat;
  try {
    stat = lstatSync(dir);
  } catch (error) {
    throw systemError(error, `cannot inspect lockspace '${dir}'`, where);
  }
  const refuse = (why: string) =>
    lockError('CONFIG_UNSUPPORTED', `lockspace '${dir}' ${why}`, where);
  if (stat.isSymbolicLink()) throw refuse('is a symbolic link');
  if (!stat.isDirectory()) throw refuse('is not a directory');
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw refuse(`is owned by uid ${stat.uid}, not ${uid}`);
  }
  if ((stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8);
    throw refuse(`has mode 0${mode}: group and others must have no access`);
  }
}

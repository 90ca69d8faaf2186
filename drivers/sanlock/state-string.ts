/**
 * sanlock's lease state strings, as the daemon's INQUIRE returns them and libvirt keeps them for
 * migration (`sanlock_res_to_str`, `sanlock_str_to_res`, `sanlock_state_to_args`):
 *
 *   LOCKSPACE:NAME:PATH:OFFSET[:PATH:OFFSET…]:LVER     an exclusive lease at version LVER
 *   LOCKSPACE:NAME:PATH:OFFSET[:PATH:OFFSET…]:SH       a shared lease (no version)
 *
 * one per held lease, separated by single spaces. Colons in a path are escaped with a backslash.
 * Pure; the parser is as strict as sanlock's and rejects what sanlock would.
 */
import { lockError, type LockError } from '../../contract/errors.ts';
import { MAX_DISKS, NAME_LEN, PATH_LEN, ResourceFlag, type SanlockResource } from './wire.ts';

function escapePath(path: string): string {
  return path.replace(/:/g, '\\:');
}

/** One lease as sanlock prints it. */
export function formatLease(resource: SanlockResource): string {
  const disks = resource.disks.map((disk) => `:${escapePath(disk.path)}:${disk.offset}`).join('');
  const tail = resource.flags & ResourceFlag.SHARED ? 'SH' : resource.lver.toString();
  return `${resource.lockspace}:${resource.name}${disks}:${tail}`;
}

/** A whole state string: the leases, space-separated. */
export function formatState(resources: readonly SanlockResource[]): string {
  return resources.map(formatLease).join(' ');
}

function bad(state: string, why: string): LockError {
  return lockError('INTERNAL_ERROR', `Unable to parse lock state ${state}: ${why}`,
    { operation: 'acquire', driver: 'sanlock' });
}

/** Splits at unescaped colons, unescaping as it goes (sanlock drops every backslash). */
function fields(entry: string, state: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < entry.length; i++) {
    const c = entry[i]!;
    if (c === '\\') {
      if (i === entry.length - 1) throw bad(state, `'${entry}' ends with a backslash`);
      current += entry[++i]!;
    } else if (c === ':') {
      out.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  out.push(current);
  return out;
}

/**
 * One lease back from its string. The version is optional on input (sanlock accepts
 * "LS:NAME:PATH:OFFSET"); when present, the resource carries the LVER flag so the daemon checks
 * it, or SHARED for "SH".
 * @throws INTERNAL_ERROR "Unable to parse lock state …" (libvirt's message) for anything else.
 */
export function parseLease(entry: string, state = entry): SanlockResource {
  const parts = fields(entry, state);
  if (parts.length < 4) throw bad(state, `'${entry}' has too few fields`);
  const [lockspace, name] = [parts[0]!, parts[1]!];
  for (const [field, value] of [['lockspace', lockspace], ['name', name]] as const) {
    if (Buffer.byteLength(value) >= NAME_LEN) {
      throw bad(state, `${field} '${value}' exceeds ${NAME_LEN - 1} bytes`);
    }
  }
  const rest = parts.slice(2);
  const hasTail = rest.length % 2 === 1;
  const diskFields = hasTail ? rest.slice(0, -1) : rest;
  if (diskFields.length / 2 > MAX_DISKS) throw bad(state, `'${entry}' names too many disks`);
  const disks = [];
  for (let i = 0; i < diskFields.length; i += 2) {
    const [path, offset] = [diskFields[i]!, diskFields[i + 1]!];
    if (path.length === 0 || Buffer.byteLength(path) >= PATH_LEN) {
      throw bad(state, `bad lease path '${path}'`);
    }
    if (!/^\d{1,16}$/.test(offset) || !Number.isSafeInteger(Number(offset))) {
      throw bad(state, `bad lease offset '${offset}'`);
    }
    disks.push({ path, offset: Number(offset) });
  }
  let flags = 0;
  let lver = 0n;
  if (hasTail) {
    const tail = rest[rest.length - 1]!;
    if (tail === 'SH') {
      flags = ResourceFlag.SHARED;
    } else if (/^\d{1,20}$/.test(tail) && BigInt(tail) <= 0xffff_ffff_ffff_ffffn) {
      flags = ResourceFlag.LVER;
      lver = BigInt(tail);
    } else {
      throw bad(state, `bad lease version '${tail}'`);
    }
  }
  return { lockspace, name, disks, flags, lver };
}

/** A whole state string back into leases (empty → none). */
export function parseState(state: string): SanlockResource[] {
  if (state === '') return [];
  return state.split(' ').map((entry) => {
    if (entry === '') throw bad(state, 'empty lease entry (two spaces in a row)');
    return parseLease(entry, state);
  });
}

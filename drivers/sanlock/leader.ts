/**
 * A paxos lease's leader record as sanlock keeps it on disk (`leader.h`, sanlock 3.x): who owns
 * the lease now, read from the lease file itself rather than asked of a daemon. Little-endian:
 *
 *   0 magic u32 · 4 version u32 · 8 flags u32 · 12 sector_size u32 · 16 num_hosts u64 ·
 *   24 max_hosts u64 · 32 owner_id u64 · 40 owner_generation u64 · 48 lver u64 ·
 *   56 space_name[48] · 104 resource_name[48] · 152 timestamp u64 …
 *
 * A released lease has timestamp 0 (`LEASE_FREE`); an owned one the owner's host_id and the
 * time it was taken. Real mode reads it to tell when a daemon has finished releasing a dead
 * owner's lease, which it does asynchronously after dropping the owner's registration.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { lockError } from '../../contract/errors.ts';

/** `PAXOS_DISK_MAGIC`: the first word of a formatted resource lease. */
export const PAXOS_DISK_MAGIC = 0x06152010;
const LEADER_BYTES = 160;

export interface LeaderRecord {
  /** The host_id that owns the lease (meaningful while `free` is false). */
  readonly ownerId: number;
  readonly ownerGeneration: number;
  readonly lver: bigint;
  readonly resourceName: string;
  /** Released (timestamp 0, `LEASE_FREE`). */
  readonly free: boolean;
}

function name(bytes: Buffer, at: number): string {
  const field = bytes.subarray(at, at + 48);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

/**
 * Pure: the leader record in `bytes` (at least 160 of them).
 * @throws INVALID_ARG when they hold no formatted lease (another magic number).
 */
export function parseLeader(bytes: Buffer): LeaderRecord {
  if (bytes.length < LEADER_BYTES || bytes.readUInt32LE(0) !== PAXOS_DISK_MAGIC) {
    throw lockError('INVALID_ARG', 'not a sanlock paxos lease (no leader record magic)',
      { driver: 'sanlock' });
  }
  return {
    ownerId: Number(bytes.readBigUInt64LE(32)),
    ownerGeneration: Number(bytes.readBigUInt64LE(40)),
    lver: bytes.readBigUInt64LE(48),
    resourceName: name(bytes, 104),
    free: bytes.readBigUInt64LE(152) === 0n,
  };
}

/** Reads the leader record of the lease at `offset` in the file `path`. */
export function readLeader(path: string, offset = 0): LeaderRecord {
  const fd = openSync(path, 'r');
  try {
    const bytes = Buffer.alloc(LEADER_BYTES);
    readSync(fd, bytes, 0, LEADER_BYTES, offset);
    return parseLeader(bytes);
  } finally {
    closeSync(fd);
  }
}

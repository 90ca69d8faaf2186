/**
 * Reading back what VM stand-ins wrote to a disk: who wrote, in which order. The simulator's real
 * mode judges "no two live processes wrote one exclusive disk" from this, i.e. from real effects
 * on the disk, not from anybody's beliefs about locks.
 *
 * Records are lines `LCREC {"owner":…,"writer":…,"seq":…,"t":"…"}` appended past byte 4096 with
 * one write(2) each on an O_APPEND descriptor (`stand-in.mjs`), so their order in the file is the
 * order the kernel applied them. Anything else in the file (zeros, image data) is skipped.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Where records start: far past the lock on byte 0 and QEMU's image locks at bytes 100+. */
export const RECORD_OFFSET = 4096;

export interface DiskRecord {
  /** Position in the file's write order, from 0. */
  readonly index: number;
  /** The lock owner the writer ran for (its supervisor's pid). */
  readonly owner: number;
  /** The stand-in process that wrote it. */
  readonly writer: number;
  /** The writer's sequence number for this disk, from 1. */
  readonly seq: number;
  /** CLOCK_MONOTONIC in nanoseconds (comparable across processes of one host). */
  readonly time: bigint;
}

/** One stretch of consecutive records by the same writer. */
export interface WriterRun {
  readonly owner: number;
  readonly writer: number;
  readonly first: number;
  readonly last: number;
  readonly count: number;
}

const RECORD = /^LCREC (\{.*\})$/;

/**
 * Pure: one record line, newline included, as `stand-in.mjs` writes it (and the lockd owner
 * program, which writes the same records for real mode). `time` is CLOCK_MONOTONIC in ns.
 */
export function formatRecord(owner: number, writer: number, seq: number, time: bigint): string {
  return `LCREC ${JSON.stringify({ owner, writer, seq, t: time.toString() })}\n`;
}

/** Pure: the records in a disk's bytes from RECORD_OFFSET on, in file order. */
export function parseRecords(text: string): DiskRecord[] {
  const records: DiskRecord[] = [];
  for (const line of text.split('\n')) {
    const match = RECORD.exec(line.replace(/^\0+/, ''));
    if (!match) continue;
    const raw = JSON.parse(match[1]!) as { owner: number; writer: number; seq: number; t: string };
    records.push({ index: records.length, owner: raw.owner, writer: raw.writer, seq: raw.seq,
      time: BigInt(raw.t) });
  }
  return records;
}

/** Reads the records a disk holds now. */
export function readRecords(path: string): DiskRecord[] {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size <= RECORD_OFFSET) return [];
    const bytes = Buffer.alloc(size - RECORD_OFFSET);
    let done = 0;
    while (done < bytes.length) {
      const got = readSync(fd, bytes, done, bytes.length - done, RECORD_OFFSET + done);
      if (got === 0) break;
      done += got;
    }
    return parseRecords(bytes.subarray(0, done).toString('latin1'));
  } finally {
    closeSync(fd);
  }
}

/** Pure: the records as runs of one writer each, in write order ("who wrote, in which order"). */
export function writerRuns(records: readonly DiskRecord[]): WriterRun[] {
  const runs: WriterRun[] = [];
  for (const record of records) {
    const last = runs.at(-1);
    if (last && last.writer === record.writer) {
      runs[runs.length - 1] = { ...last, last: record.index, count: last.count + 1 };
    } else {
      runs.push({ owner: record.owner, writer: record.writer, first: record.index,
        last: record.index, count: 1 });
    }
  }
  return runs;
}

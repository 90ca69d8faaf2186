/**
 * Fuzzing the sanlock reply reader and reply checks with malformed, truncated and oversized
 * input cut into arbitrary chunks: the only possible failure is a typed RPC LockError — no other
 * exception, no hang (everything is synchronous), and memory bounded by what arrived, never by
 * what a length field claims.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLockError } from '../../contract/errors.ts';
import { ReplyReader } from '../../drivers/sanlock/frame-reader.ts';
import {
  checkReply,
  Command,
  encodeHeader,
  HEADER_BYTES,
  MAX_REPLY_BYTES,
  type CommandCode,
} from '../../drivers/sanlock/wire.ts';

const BODY_FLOOR = 4096;
const COMMANDS = Object.values(Command) as CommandCode[];

function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  return chunks;
}

/** Feeds chunks and checks every reply against `sent`; returns the RPC error, if any. */
function feed(chunks: Uint8Array[], sent: CommandCode) {
  const reader = new ReplyReader();
  let fed = 0;
  let replies = 0;
  try {
    for (const chunk of chunks) {
      fed += chunk.length;
      for (const reply of reader.push(chunk)) {
        replies++;
        checkReply(reply, sent);
      }
      expect(reader.allocated).toBeLessThanOrEqual(Math.max(BODY_FLOOR, 2 * fed));
    }
    return { error: null, replies };
  } catch (error) {
    if (!isLockError(error)) throw error;
    expect(error.code).toBe('RPC');
    return { error, replies };
  }
}

function reply(cmd: CommandCode, result: number, body: Uint8Array = new Uint8Array(), data2 = 0) {
  return Buffer.concat([encodeHeader({ cmd, flags: 0, data: result, data2 }, body.length), body]);
}

const command = fc.constantFrom(...COMMANDS);
const cuts = fc.array(fc.nat(), { maxLength: 12 });
const validReply = fc.tuple(command, fc.integer({ min: -300, max: 0 }),
  fc.stringMatching(/^[A-Za-z0-9_:/. ]{0,80}$/)).map(([cmd, result, state]) =>
  ({ cmd, bytes: reply(cmd, result,
    cmd === Command.INQUIRE && state ? Buffer.from(`${state}\0`) : Buffer.alloc(0)) }));
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ maxLength: 40 }) }),
  fc.record({ kind: fc.constant('length' as const), value: fc.nat({ max: 0xffffffff }) }),
);

function mutate(bytes: Buffer, change: { kind: string; at?: number; value?: number;
  extra?: Uint8Array }): Buffer {
  const copy = Buffer.from(bytes);
  if (change.kind === 'flip') copy[change.at! % copy.length] = change.value!;
  if (change.kind === 'truncate') return copy.subarray(0, change.at! % copy.length);
  if (change.kind === 'extend') return Buffer.concat([copy, change.extra!]);
  if (change.kind === 'length') copy.writeUInt32LE(change.value!, 16);
  return copy;
}

describe('sanlock reply fuzzing', () => {
  it('random bytes in random chunks give replies or a typed RPC error', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), cuts, command, (bytes, at, sent) => {
      feed(chunked(bytes, at), sent);
    }), { numRuns: 500 });
  });

  it('mutated valid replies give a reply or a typed RPC error', () => {
    fc.assert(fc.property(validReply, mutation, cuts, ({ cmd, bytes }, change, at) => {
      feed(chunked(mutate(bytes, change), at), cmd);
    }), { numRuns: 500 });
  });

  it('valid reply streams in arbitrary chunks come back whole and in order', () => {
    fc.assert(fc.property(fc.array(validReply, { minLength: 1, maxLength: 8 }), cuts,
      (replies, at) => {
        const reader = new ReplyReader();
        const out: Buffer[] = [];
        for (const chunk of chunked(Buffer.concat(replies.map((r) => r.bytes)), at)) {
          for (const whole of reader.push(chunk)) {
            out.push(reply(whole.header.cmd as CommandCode, whole.header.result, whole.body,
              whole.header.data2));
          }
        }
        expect(out.map((b) => b.toString('hex'))).toEqual(replies.map((r) => r.bytes.toString('hex')));
        expect(reader.pending).toBe(0);
      }), { numRuns: 300 });
  });

  it('an illegal length fails as soon as the header is in, whatever follows', () => {
    const illegal = fc.oneof(fc.integer({ min: 0, max: HEADER_BYTES - 1 }),
      fc.integer({ min: MAX_REPLY_BYTES + 1, max: 0xffffffff }));
    fc.assert(fc.property(illegal, fc.uint8Array({ maxLength: 64 }), cuts, (length, tail, at) => {
      const bytes = reply(Command.ACQUIRE, 0);
      bytes.writeUInt32LE(length, 16);
      const { error, replies } = feed(chunked(Buffer.concat([bytes, tail]), at), Command.ACQUIRE);
      expect(error?.message).toMatch(/length/);
      expect(replies).toBe(0);
    }), { numRuns: 300 });
  });

  it('a legal but huge length only buffers what arrived', () => {
    fc.assert(fc.property(fc.integer({ min: 1 << 16, max: MAX_REPLY_BYTES }),
      fc.integer({ min: 0, max: 4096 }), (length, arrived) => {
        const reader = new ReplyReader();
        const head = Buffer.concat([reply(Command.INQUIRE, 0), Buffer.alloc(arrived)]);
        head.writeUInt32LE(length, 16);
        expect(reader.push(head)).toEqual([]);
        expect(reader.pending).toBe(HEADER_BYTES + arrived);
        expect(reader.allocated).toBeLessThanOrEqual(BODY_FLOOR);
      }), { numRuns: 200 });
  });

  it('a reader that saw a bad header stays failed', () => {
    const reader = new ReplyReader();
    expect(() => reader.push(Buffer.alloc(32))).toThrow(/magic/);
    expect(() => reader.push(reply(Command.VERSION, 0))).toThrow(/magic/);
  });
});

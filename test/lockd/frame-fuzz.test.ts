/**
 * Fuzzing the lockd decoder and frame reader with malformed, truncated and oversized input, cut
 * into arbitrary chunks: the only possible failure is a typed RPC LockError — no other
 * exception, no hang (everything is synchronous and must return), and memory bounded by what was
 * actually fed, never by what a length word claims.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLockError } from '../../contract/errors.ts';
import { FrameReader } from '../../drivers/lockd/frame-reader.ts';
import {
  decodeCall,
  encodeCall,
  encodeMessage,
  LOCKD_PROGRAM,
  MAX_MESSAGE_BYTES,
  MIN_MESSAGE_BYTES,
  type ProcedureCall,
} from '../../drivers/lockd/protocol.ts';
import { decodeReply, encodeRemoteError } from '../../drivers/lockd/remote-error.ts';

const ASSEMBLY_FLOOR = 64 * 1024;

/** Splits `bytes` at the given cut points (sorted, deduplicated, in range). */
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

/** Feeds chunks to a reader and decodes every frame; returns what failed, if anything. */
function feed(chunks: Uint8Array[], decode: (frame: Buffer) => unknown) {
  const reader = new FrameReader();
  let fed = 0;
  let frames = 0;
  try {
    for (const chunk of chunks) {
      fed += chunk.length;
      for (const frame of reader.push(chunk)) {
        frames++;
        decode(frame);
      }
      expect(reader.allocated).toBeLessThanOrEqual(Math.max(ASSEMBLY_FLOOR, 2 * fed));
    }
    return { error: null, frames };
  } catch (error) {
    if (!isLockError(error)) throw error;
    expect(error.code).toBe('RPC');
    return { error, frames };
  }
}

const text = fc.string({ unit: 'binary', maxLength: 40 });
const u32 = fc.nat({ max: 0xffffffff });
const call: fc.Arbitrary<ProcedureCall> = fc.oneof(
  fc.record({ procedure: fc.constant('REGISTER' as const), flags: u32,
    owner: fc.record({ uuid: fc.uuid(), name: text, id: u32, pid: u32 }) }),
  fc.record({ procedure: fc.constant('RESTRICT' as const), flags: u32 }),
  fc.record({ procedure: fc.constant('NEW' as const), path: text, flags: u32 }),
  fc.record({ procedure: fc.constantFrom('CREATE_RESOURCE', 'DELETE_RESOURCE', 'ACQUIRE_RESOURCE',
    'RELEASE_RESOURCE'), path: text, name: text, flags: u32 }),
  fc.record({ procedure: fc.constant('CREATE_LOCKSPACE' as const), path: text }),
);
const cuts = fc.array(fc.nat(), { maxLength: 12 });

/** A byte-level mutation of a valid message: flip, cut, extend, or rewrite the length word. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ maxLength: 16 }) }),
  fc.record({ kind: fc.constant('length' as const), value: u32 }),
);

type Mutation = { kind: string; at?: number; value?: number; extra?: Uint8Array };

function mutate(frame: Buffer, change: Mutation): Buffer {
  const copy = Buffer.from(frame);
  if (change.kind === 'flip') copy[change.at! % copy.length] = change.value!;
  if (change.kind === 'truncate') return copy.subarray(0, change.at! % copy.length);
  if (change.kind === 'extend') return Buffer.concat([copy, change.extra!]);
  if (change.kind === 'length') copy.writeUInt32BE(change.value!, 0);
  return copy;
}

describe('lockd decoder fuzzing', () => {
  it('random bytes in random chunks give frames or a typed RPC error, never anything else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), cuts, (bytes, at) => {
      feed(chunked(bytes, at), (frame) => decodeReply(frame));
      feed(chunked(bytes, at), (frame) => decodeCall(frame));
    }), { numRuns: 500 });
  });

  it('mutated valid calls decode to a call or a typed RPC error', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), call, mutation, cuts,
      (serial, value, change, at) => {
        const frame = mutate(encodeCall(serial, value), change);
        feed(chunked(frame, at), (whole) => decodeCall(whole));
      }), { numRuns: 500 });
  });

  it('mutated error replies decode to a reply or a typed RPC error', () => {
    const error = encodeRemoteError({ code: 87, domain: 51, message: 'resource busy', level: 2,
      dom: { name: 'vm', uuid: '00112233-4455-6677-8899-aabbccddeeff', id: 1 }, str1: '%s',
      str2: 'x', str3: null, int1: -1, int2: -1, net: null });
    const frame = encodeMessage({ program: LOCKD_PROGRAM, version: 1, procedure: 6, type: 1,
      serial: 5, status: 1 }, error);
    fc.assert(fc.property(mutation, cuts, (change, at) => {
      feed(chunked(mutate(frame, change), at), (whole) => decodeReply(whole));
    }), { numRuns: 500 });
  });

  it('valid message streams in arbitrary chunks come back whole and in order', () => {
    fc.assert(fc.property(fc.array(call, { minLength: 1, maxLength: 8 }), cuts, (values, at) => {
      const frames = values.map((value, serial) => encodeCall(serial, value));
      const out: ProcedureCall[] = [];
      const { error } = feed(chunked(Buffer.concat(frames), at),
        (whole) => out.push(decodeCall(whole).call));
      expect(error).toBeNull();
      expect(out).toEqual(values);
    }), { numRuns: 300 });
  });

  it('an oversized or undersized length word fails at once, whatever follows', () => {
    const illegal = fc.oneof(fc.integer({ min: 0, max: MIN_MESSAGE_BYTES - 1 }),
      fc.integer({ min: MAX_MESSAGE_BYTES + 1, max: 0xffffffff }));
    fc.assert(fc.property(illegal, fc.uint8Array({ maxLength: 64 }), cuts, (length, tail, at) => {
      const word = Buffer.alloc(4);
      word.writeUInt32BE(length);
      const { error, frames } = feed(chunked(Buffer.concat([word, tail]), at), decodeReply);
      expect(error?.code).toBe('RPC');
      expect(frames).toBe(0);
    }), { numRuns: 300 });
  });

  it('a legal but huge length word only buffers what arrived', () => {
    fc.assert(fc.property(fc.integer({ min: 1 << 20, max: MAX_MESSAGE_BYTES }),
      fc.integer({ min: 0, max: 4096 }), (length, arrived) => {
        const reader = new FrameReader();
        const head = Buffer.alloc(4 + arrived);
        head.writeUInt32BE(length);
        expect(reader.push(head)).toEqual([]);
        expect(reader.pending).toBe(4 + arrived);
        expect(reader.allocated).toBeLessThanOrEqual(ASSEMBLY_FLOOR);
      }), { numRuns: 200 });
  });
});

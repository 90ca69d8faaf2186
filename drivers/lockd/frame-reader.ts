/**
 * Cuts a byte stream into whole messages, whatever the chunk boundaries.
 *
 * The length word is checked as soon as its 4 bytes are in: a length under 28 or over
 * 4 + 16 MiB is a typed RPC error at once (virtlockd drops such connections too). Memory is
 * bounded by what actually arrived: a message is assembled in a buffer that grows with the bytes
 * received (at most twice them), never by what a length word merely claims. After an error the
 * reader is poisoned: a stream that lost its framing cannot be resynchronised.
 */
import type { LockError } from '../../contract/errors.ts';
import { LENGTH_BYTES, MAX_MESSAGE_BYTES, MIN_MESSAGE_BYTES, rpcError } from './protocol.ts';

const INITIAL_ASSEMBLY_BYTES = 64 * 1024;

/** One stream's message cutter (see the module comment). */
export class FrameReader {
  /** The first bytes of a length word split across chunks. */
  private readonly head = Buffer.alloc(LENGTH_BYTES);
  private headFilled = 0;
  /** The message being assembled, its announced length, and how much of it arrived. */
  private assembly: Buffer | null = null;
  private expected = 0;
  private filled = 0;
  private failure: LockError | null = null;

  /** Bytes held back waiting for the rest of a message. */
  get pending(): number {
    return this.assembly ? this.filled : this.headFilled;
  }

  /** Bytes currently allocated for assembling a message (for memory-bound tests). */
  get allocated(): number {
    return this.assembly?.length ?? 0;
  }

  /**
   * Adds a chunk and returns every message it completed, each a whole frame (a copy, starting
   * with its length word).
   * @throws RPC for an illegal length word; every later call throws the same error.
   */
  push(chunk: Uint8Array): Buffer[] {
    if (this.failure) throw this.failure;
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const frames: Buffer[] = [];
    let at = 0;
    while (at < bytes.length) {
      if (this.assembly) {
        at = this.fill(bytes, at, frames);
      } else if (this.headFilled === 0 && bytes.length - at >= LENGTH_BYTES) {
        const length = this.check(bytes.readUInt32BE(at));
        if (bytes.length - at >= length) {
          frames.push(Buffer.from(bytes.subarray(at, at + length)));
          at += length;
        } else {
          this.start(length);
        }
      } else {
        const used = Math.min(LENGTH_BYTES - this.headFilled, bytes.length - at);
        bytes.copy(this.head, this.headFilled, at, at + used);
        this.headFilled += used;
        at += used;
        if (this.headFilled === LENGTH_BYTES) {
          this.start(this.check(this.head.readUInt32BE(0)));
          this.head.copy(this.assembly!, 0);
          this.filled = LENGTH_BYTES;
          this.headFilled = 0;
        }
      }
    }
    return frames;
  }

  private check(length: number): number {
    if (length >= MIN_MESSAGE_BYTES && length <= MAX_MESSAGE_BYTES) return length;
    this.failure = rpcError(`illegal message length ${length} (must be ${MIN_MESSAGE_BYTES}` +
      `..${MAX_MESSAGE_BYTES} bytes)`);
    this.assembly = null;
    this.headFilled = 0;
    throw this.failure;
  }

  private start(length: number): void {
    this.expected = length;
    this.filled = 0;
    this.assembly = Buffer.allocUnsafe(Math.min(length, INITIAL_ASSEMBLY_BYTES));
  }

  /** Copies what the message still needs from `bytes`; returns the new read position. */
  private fill(bytes: Buffer, at: number, frames: Buffer[]): number {
    const used = Math.min(this.expected - this.filled, bytes.length - at);
    this.reserve(this.filled + used);
    bytes.copy(this.assembly!, this.filled, at, at + used);
    this.filled += used;
    if (this.filled === this.expected) {
      frames.push(this.assembly!);
      this.assembly = null;
    }
    return at + used;
  }

  private reserve(size: number): void {
    const assembly = this.assembly!;
    if (size <= assembly.length) return;
    const grown = Buffer.allocUnsafe(Math.min(this.expected, Math.max(size, assembly.length * 2)));
    assembly.copy(grown, 0, 0, this.filled);
    this.assembly = grown;
  }
}

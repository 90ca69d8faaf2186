/**
 * Cuts the daemon's byte stream into whole replies, whatever the chunk boundaries.
 *
 * A reply is a 32-byte header whose `length` (offset 16) counts the header too. The header is
 * checked as soon as its 32 bytes are in (magic, length bounds), so a bad reply is a typed RPC
 * error at once. Memory is bounded by what arrived: a body grows with the bytes received, never
 * to what a length word merely claims. After an error the reader is poisoned: a stream that lost
 * its framing cannot be resynchronised.
 */
import type { LockError } from '../../contract/errors.ts';
import { decodeReplyHeader, HEADER_BYTES, type Reply } from './wire.ts';

const INITIAL_BODY_BYTES = 4096;

export class ReplyReader {
  private readonly head = Buffer.alloc(HEADER_BYTES);
  private headFilled = 0;
  private header: Reply['header'] | null = null;
  private body: Buffer = Buffer.alloc(0);
  private bodyFilled = 0;
  private failure: LockError | null = null;

  /** Bytes held back waiting for the rest of a reply. */
  get pending(): number {
    return this.header ? HEADER_BYTES + this.bodyFilled : this.headFilled;
  }

  /** Bytes allocated for the body being assembled (for memory-bound tests). */
  get allocated(): number {
    return this.body.length;
  }

  /**
   * Adds a chunk; returns every reply it completed.
   * @throws RPC for a malformed header; every later call throws the same error.
   */
  push(chunk: Uint8Array): Reply[] {
    if (this.failure) throw this.failure;
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const replies: Reply[] = [];
    let at = 0;
    while (at < bytes.length) {
      if (this.header === null) {
        const used = Math.min(HEADER_BYTES - this.headFilled, bytes.length - at);
        bytes.copy(this.head, this.headFilled, at, at + used);
        this.headFilled += used;
        at += used;
        if (this.headFilled < HEADER_BYTES) break;
        this.startBody();
      } else {
        at = this.fillBody(bytes, at);
      }
      if (this.header !== null && this.bodyFilled === this.header.length - HEADER_BYTES) {
        replies.push({ header: this.header, body: this.body.subarray(0, this.bodyFilled) });
        this.header = null;
        this.headFilled = 0;
        this.body = Buffer.alloc(0);
        this.bodyFilled = 0;
      }
    }
    return replies;
  }

  private startBody(): void {
    try {
      this.header = decodeReplyHeader(this.head);
    } catch (error) {
      this.failure = error as LockError;
      throw error;
    }
    const size = this.header.length - HEADER_BYTES;
    this.body = Buffer.alloc(Math.min(size, INITIAL_BODY_BYTES));
    this.bodyFilled = 0;
  }

  private fillBody(bytes: Buffer, at: number): number {
    const expected = this.header!.length - HEADER_BYTES;
    const used = Math.min(expected - this.bodyFilled, bytes.length - at);
    if (this.bodyFilled + used > this.body.length) {
      const grown = Buffer.alloc(Math.min(expected, Math.max(this.bodyFilled + used,
        this.body.length * 2)));
      this.body.copy(grown, 0, 0, this.bodyFilled);
      this.body = grown;
    }
    bytes.copy(this.body, this.bodyFilled, at, at + used);
    this.bodyFilled += used;
    return at + used;
  }
}

/**
 * XDR (RFC 4506) as virtlockd's RPC uses it: big-endian 32-bit integers, length-prefixed strings
 * padded to 4 bytes, fixed opaques without a length, optional values as a 0/1 discriminant.
 *
 * Pure and bounded: the reader never reads past its buffer and never allocates more than the
 * bytes it was given, so a malformed or hostile payload can only produce a typed RPC error.
 */
import { lockError, type LockError } from '../../contract/errors.ts';

/** Raised for every malformed payload: a truncated value, an over-long string, trailing bytes. */
export function xdrError(message: string): LockError {
  return lockError('RPC', `malformed XDR payload: ${message}`, { operation: 'decode' });
}

const pad = (length: number): number => (4 - (length % 4)) % 4;

/** Appends XDR values to a growing buffer. */
export class XdrWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(initialSize = 256) {
    this.buffer = Buffer.allocUnsafe(initialSize);
  }

  /** The bytes written so far (a view, valid until the next write). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  u32(value: number): this {
    this.reserve(4).writeUInt32BE(value >>> 0, this.length);
    this.length += 4;
    return this;
  }

  i32(value: number): this {
    this.reserve(4).writeInt32BE(value | 0, this.length);
    this.length += 4;
    return this;
  }

  /** `string<max>`; refuses strings the peer would refuse, as INVALID_ARG. */
  string(value: string, max: number): this {
    const byteLength = Buffer.byteLength(value, 'utf8');
    if (byteLength > max) {
      throw lockError('INVALID_ARG',
        `string of ${byteLength} bytes exceeds the protocol limit of ${max} bytes`,
        { operation: 'encode' });
    }
    this.u32(byteLength);
    const total = byteLength + pad(byteLength);
    const buffer = this.reserve(total);
    buffer.write(value, this.length, 'utf8');
    buffer.fill(0, this.length + byteLength, this.length + total);
    this.length += total;
    return this;
  }

  /** `opaque[n]`: exactly `bytes.length` raw bytes, padded, no length prefix. */
  fixedOpaque(bytes: Uint8Array): this {
    const total = bytes.length + pad(bytes.length);
    const buffer = this.reserve(total);
    buffer.set(bytes, this.length);
    buffer.fill(0, this.length + bytes.length, this.length + total);
    this.length += total;
    return this;
  }

  /** `T*`: 0 for absent, else 1 followed by the value. */
  optional<T>(value: T | null | undefined, write: (writer: this, value: T) => void): this {
    if (value === null || value === undefined) return this.u32(0);
    this.u32(1);
    write(this, value);
    return this;
  }

  private reserve(bytes: number): Buffer {
    if (this.length + bytes > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    return this.buffer;
  }
}

/** Reads XDR values from a buffer, checking every bound before it reads or allocates. */
export class XdrReader {
  private offset = 0;

  constructor(private readonly buffer: Uint8Array, private readonly what = 'payload') {}

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  u32(field: string): number {
    this.need(4, field);
    const view = this.buffer;
    const at = this.offset;
    this.offset += 4;
    return ((view[at]! << 24) | (view[at + 1]! << 16) | (view[at + 2]! << 8) | view[at + 3]!) >>> 0;
  }

  i32(field: string): number {
    return this.u32(field) | 0;
  }

  /** `string<max>`: the length is checked against `max` and the buffer before anything else. */
  string(field: string, max: number): string {
    const length = this.u32(`${field} length`);
    if (length > max) {
      throw xdrError(`${this.what}: ${field} claims ${length} bytes, more than the limit ${max}`);
    }
    const total = length + pad(length);
    this.need(total, field);
    const text = Buffer.from(this.buffer.buffer, this.buffer.byteOffset + this.offset, length)
      .toString('utf8');
    this.offset += total;
    return text;
  }

  fixedOpaque(field: string, length: number): Uint8Array {
    const total = length + pad(length);
    this.need(total, field);
    const bytes = Uint8Array.prototype.slice.call(this.buffer, this.offset, this.offset + length);
    this.offset += total;
    return bytes;
  }

  /** `T*`: the discriminant must be exactly 0 or 1. */
  optional<T>(field: string, read: (reader: this) => T): T | null {
    const present = this.u32(`${field} discriminant`);
    if (present === 0) return null;
    if (present !== 1) throw xdrError(`${this.what}: ${field} discriminant is ${present}, not 0/1`);
    return read(this);
  }

  /** Every byte must have been consumed: trailing bytes mean a different layout. */
  end(): void {
    if (this.remaining !== 0) {
      throw xdrError(`${this.what}: ${this.remaining} unexpected trailing byte(s)`);
    }
  }

  private need(bytes: number, field: string): void {
    if (this.remaining < bytes) {
      throw xdrError(`${this.what} truncated in ${field}: need ${bytes} byte(s), ` +
        `${this.remaining} left`);
    }
  }
}

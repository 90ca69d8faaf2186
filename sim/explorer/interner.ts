/**
 * Integer codes for strings, stable across threads.
 *
 * `code` gives a dense local number (0 is never a code: it stands for null in encodings) that
 * caches keep; what enters a canonical form is the code's *pair* of 32-bit hashes of the key
 * (`hi`, `lo`), the same in every thread and process. Dense codes handed out in order of
 * encounter would differ between two workers that met the strings in another order, and the
 * parallel explorer shards states by the fingerprint of their form: one state must have one
 * fingerprint everywhere. Two keys with the same 64-bit pair would be merged; the chance, K²/2⁶⁵
 * for K keys, is of the fingerprints' own order.
 */
export class Interner {
  private readonly codes = new Map<string, number>();
  private hashes = new Int32Array(128);

  code(key: string): number {
    let code = this.codes.get(key);
    if (code === undefined) {
      code = this.codes.size + 1;
      this.codes.set(key, code);
      if (code * 2 + 1 >= this.hashes.length) {
        const grown = new Int32Array(this.hashes.length * 2);
        grown.set(this.hashes);
        this.hashes = grown;
      }
      this.hashes[code * 2] = stringHash(key, 0x9e3779b1, 0x85ebca77);
      this.hashes[code * 2 + 1] = stringHash(key, 0x27d4eb2f, 0xc2b2ae3d);
    }
    return code;
  }

  /** The first stable hash of a code's key (0 for code 0). */
  hi(code: number): number {
    return this.hashes[code * 2]!;
  }

  /** The second stable hash of a code's key. */
  lo(code: number): number {
    return this.hashes[code * 2 + 1]!;
  }

  get size(): number {
    return this.codes.size;
  }
}

/** A 32-bit hash of a string's UTF-16 code units (xxHash32-style rounds, seeded). */
export function stringHash(text: string, seed: number, prime: number): number {
  let h = seed ^ text.length;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), prime);
    h = (h << 13) | (h >>> 19);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca77);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

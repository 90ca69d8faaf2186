/** Dense integer codes for strings; 0 is never a code (it stands for null in encodings). */
export class Interner {
  private readonly codes = new Map<string, number>();

  code(key: string): number {
    let code = this.codes.get(key);
    if (code === undefined) {
      code = this.codes.size + 1;
      this.codes.set(key, code);
    }
    return code;
  }

  get size(): number {
    return this.codes.size;
  }
}

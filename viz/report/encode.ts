/** Small helpers that keep the embedded report data compact. */

/** Successive differences: long runs of +1 (steps, time) become runs of `1`. */
export function deltaEncode(values: readonly number[]): number[] {
  const out = new Array<number>(values.length);
  let previous = 0;
  for (let i = 0; i < values.length; i++) {
    out[i] = values[i]! - previous;
    previous = values[i]!;
  }
  return out;
}

/** The inverse of `deltaEncode` (the page does the same in its decoder). */
export function deltaDecode(deltas: readonly number[]): number[] {
  const out = new Array<number>(deltas.length);
  let value = 0;
  for (let i = 0; i < deltas.length; i++) {
    value += deltas[i]!;
    out[i] = value;
  }
  return out;
}

/** Interns values by a text key: equal keys share one index. */
export class Interner<T> {
  readonly items: T[] = [];
  private readonly index = new Map<string, number>();

  /**
   * The index of `value`, adding it under `key` the first time. The key defaults to the value
   * itself for strings (no serialising on the hot path) and to its JSON otherwise.
   */
  add(value: T, key: string = typeof value === 'string' ? value : JSON.stringify(value)): number {
    let at = this.index.get(key);
    if (at === undefined) {
      at = this.items.length;
      this.items.push(value);
      this.index.set(key, at);
    }
    return at;
  }
}

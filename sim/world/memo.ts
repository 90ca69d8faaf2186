/** The one get-or-make step of the simulator's memo tables (most of them nest a few levels). */

/** Anything keyed like a Map or a WeakMap. */
interface Table<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): unknown;
}

/** `table`'s value for `key`, made by `make` and stored the first time it is asked for. */
export function memo<K, V>(table: Table<K, V>, key: K, make: () => V): V {
  let value = table.get(key);
  if (value === undefined) {
    value = make();
    table.set(key, value);
  }
  return value;
}

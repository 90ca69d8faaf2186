/**
 * Shared storage: K physical disks, each reachable by its canonical path and by alias spellings
 * (a doubled slash, and a `/dev/disk/by-id` symlink). Checkers map every path a VM or a grant
 * uses back to the physical disk, so "two grants on one disk" is judged on the disk itself,
 * whatever spelling the lock service saw.
 */
export interface Storage {
  readonly count: number;
  canonical(disk: number): string;
  /** The `n`th alias spelling of a disk (n ≥ 1); 0 is the canonical path. */
  spelling(disk: number, n: number): string;
  /** The physical disk a path reaches, or undefined. */
  resolve(path: string): number | undefined;
  /** Every spelling of every disk mapped to its canonical path (what realpath returns). */
  aliasTable(): Readonly<Record<string, string>>;
}

export const ALIAS_SPELLINGS = 3;

export function createStorage(count: number): Storage {
  const byPath = new Map<string, number>();
  const spellings: string[][] = [];
  for (let disk = 0; disk < count; disk++) {
    const names = [
      `/shared/disk${disk}.img`,
      `/shared//disk${disk}.img`,
      `/dev/disk/by-id/lockchart-disk${disk}`,
    ];
    spellings.push(names);
    for (const name of names) byPath.set(name, disk);
  }
  return {
    count,
    canonical: (disk) => spellings[disk]![0]!,
    spelling: (disk, n) => spellings[disk]![n % ALIAS_SPELLINGS]!,
    resolve: (path) => byPath.get(path),
    aliasTable: () => Object.fromEntries([...byPath].map(([path, disk]) => [path, spellings[disk]![0]!])),
  };
}

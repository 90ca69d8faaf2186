/**
 * One symmetry as renaming tables: where each VM, host and disk goes, what a disk path becomes
 * (the same spelling of the image disk), and small integer codes for disk uses under it.
 */
import type { LockMode } from '../../contract/flags.ts';
import type { Storage } from '../world/storage.ts';
import type { DiskUse } from '../world/types.ts';
import type { Symmetry } from './symmetry.ts';

const MODES: Readonly<Record<LockMode, number>> = { exclusive: 0, shared: 1, readonly: 2 };

/** Every spelling of every disk, as disk * 3 + spelling. */
export function spellingTable(storage: Storage): Map<string, number> {
  const table = new Map<string, number>();
  for (let disk = 0; disk < storage.count; disk++) {
    for (let n = 0; n < 3; n++) table.set(storage.spelling(disk, n), disk * 3 + n);
  }
  return table;
}

/** The renaming tables of one symmetry (see the file comment). */
export class Renaming {
  readonly vm: Int32Array;
  readonly host: Int32Array;
  readonly disk: Int32Array;
  /** The VM (host) that lands on VM (host) i. */
  readonly vmSource: Int32Array;
  readonly hostSource: Int32Array;
  readonly diskSource: Int32Array;
  private readonly paths = new Map<string, string>();

  constructor(
    symmetry: Symmetry,
    private readonly storage: Storage,
    private readonly spellings: Map<string, number>,
  ) {
    this.vm = Int32Array.from(symmetry.vm);
    this.host = Int32Array.from(symmetry.host);
    this.disk = Int32Array.from(symmetry.disk);
    this.vmSource = inverse(this.vm);
    this.hostSource = inverse(this.host);
    this.diskSource = inverse(this.disk);
  }

  /** The path a disk path becomes: the same spelling of the image disk (others stay). */
  path(name: string): string {
    let renamed = this.paths.get(name);
    if (renamed === undefined) {
      const at = this.spellings.get(name);
      renamed = at === undefined ? name
        : this.storage.spelling(this.disk[Math.floor(at / 3)]!, at % 3);
      this.paths.set(name, renamed);
    }
    return renamed;
  }

  /** A positive code for a use of a disk (image disk, spelling, mode) under this renaming. */
  use(disk: number, path: string, mode: LockMode): number {
    const at = this.spellings.get(path) ?? -1;
    const spelling = at < 0 ? 3 : at % 3;
    return 1 + ((this.disk[disk]! * 4 + spelling) * 3 + MODES[mode]);
  }

  useOf(use: DiskUse): number {
    return this.use(use.disk, use.path, use.mode);
  }
}

function inverse(permutation: Int32Array): Int32Array {
  const out = new Int32Array(permutation.length);
  permutation.forEach((image, i) => { out[image] = i; });
  return out;
}

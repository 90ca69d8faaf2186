/**
 * The symmetries of an explored world: permutations of hosts, and of VMs together with disks,
 * under which the initial world — and so, since nothing in the world depends on an index other
 * than through equality, every step — maps onto itself. Hosts start identical, so every host
 * permutation is one. VMs are interchangeable only with their disks: with the explorer's plain
 * layout (VM v boots from disk v mod K, its spare is disk v+1 mod K) swapping two VMs swaps their
 * disks too. The pairs (VM permutation, disk permutation) are found by search over the VM
 * definitions, never assumed.
 */
import type { Storage } from '../world/storage.ts';
import type { DiskUse, VmDefinition } from '../world/types.ts';

/** One symmetry: the image of each VM, disk and host. */
export interface Symmetry {
  readonly vm: readonly number[];
  readonly disk: readonly number[];
  readonly host: readonly number[];
}

/** Beyond this many group elements the canonical form costs more than it saves. */
export const MAX_GROUP = 720;

/** Every permutation of 0..n-1, the identity first. */
export function permutations(n: number): number[][] {
  if (n <= 1) return [[...Array(n).keys()]];
  const out: number[][] = [];
  for (const rest of permutations(n - 1)) {
    for (let at = rest.length; at >= 0; at--) {
      out.push([...rest.slice(0, at), n - 1, ...rest.slice(at)]);
    }
  }
  return out;
}

function factorial(n: number): number {
  return n <= 1 ? 1 : n * factorial(n - 1);
}

/** Which spelling of its disk a use's path is (0 is the canonical path). */
function spellingOf(storage: Storage, use: DiskUse): number {
  for (let n = 0; n < 3; n++) if (storage.spelling(use.disk, n) === use.path) return n;
  return -1;
}

/**
 * The disk permutation that makes VM permutation `vm` map every definition onto its image's,
 * use by use (same mode, same spelling), or null when there is none. Disks no VM mentions stay.
 */
function diskImage(vm: readonly number[], definitions: readonly VmDefinition[], storage: Storage):
  number[] | null {
  const image = [...Array(storage.count)].map(() => -1);
  for (let v = 0; v < definitions.length; v++) {
    const from = [...definitions[v]!.disks, null, ...definitions[v]!.spares];
    const target = definitions[vm[v]!]!;
    const to = [...target.disks, null, ...target.spares];
    if (from.length !== to.length) return null;
    for (let i = 0; i < from.length; i++) {
      const a = from[i]!;
      const b = to[i]!;
      if (a === null || b === null) {
        if (a !== b) return null;
        continue;
      }
      if (a.mode !== b.mode || spellingOf(storage, a) !== spellingOf(storage, b)) return null;
      if (image[a.disk] !== -1 && image[a.disk] !== b.disk) return null;
      image[a.disk] = b.disk;
    }
  }
  for (let d = 0; d < image.length; d++) if (image[d] === -1) image[d] = d;
  return new Set(image).size === image.length ? image : null;
}

/**
 * The symmetry group of a world with these definitions on `hosts` identical hosts (the identity
 * first), or just the identity when reduction is off or the group would be too large.
 */
export function symmetryGroup(
  hosts: number,
  definitions: readonly VmDefinition[],
  storage: Storage,
  enabled: boolean,
): Symmetry[] {
  const identity: Symmetry = {
    vm: [...definitions.keys()],
    disk: [...Array(storage.count).keys()],
    host: [...Array(hosts).keys()],
  };
  if (!enabled || factorial(definitions.length) > 40_320) return [identity];
  const pairs: { vm: number[]; disk: number[] }[] = [];
  for (const vm of permutations(definitions.length)) {
    const disk = diskImage(vm, definitions, storage);
    if (disk) pairs.push({ vm, disk });
  }
  if (pairs.length * factorial(hosts) > MAX_GROUP) return [identity];
  const group: Symmetry[] = [];
  for (const pair of pairs) {
    for (const host of permutations(hosts)) group.push({ ...pair, host });
  }
  return group;
}

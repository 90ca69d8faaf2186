/**
 * How VMs share disks. A lock driver's bugs hide in the sharing patterns a workload reaches: a
 * cluster disk several VMs mount shared, a shared disk acquired *before* one that fails, three
 * or more disks in one acquire, read-only users of another VM's disk, hotplug of a disk another
 * VM holds. Random runs draw a layout per seed from traits that are themselves drawn per seed
 * (swarm testing: one seed is all cluster disks, the next one wide exclusive VMs); the explorer
 * takes a named layout (`LAYOUTS`), `plain` by default.
 */
import type { LockMode } from '../../contract/flags.ts';
import type { Prng } from '../prng.ts';
import { plainDefinitions, use, type WorldShape } from './shape.ts';
import type { Storage } from './storage.ts';
import type { DiskUse, VmDefinition } from './types.ts';

/** What one seed's layout leans towards (drawn per seed). */
export interface LayoutTraits {
  /** The last `cluster` disks are cluster disks: VMs mount them shared. */
  readonly cluster: number;
  /** The chance a VM mounts each cluster disk. */
  readonly clusterShare: number;
  /** At most this many boot disks per VM besides its own and the cluster disks. */
  readonly extra: number;
  /** The chance a VM also reads some disk read-only (often another VM's). */
  readonly readers: number;
  /** Each VM's disks come in a shuffled order (a shared disk before the one that fails). */
  readonly shuffle: boolean;
  /** At most this many hotplug spares per VM, drawn among every disk it does not boot from. */
  readonly spares: number;
}

export function drawTraits(shape: WorldShape, prng: Prng): LayoutTraits {
  const cluster = shape.disks > 1 && prng.chance(0.5) ? 1 + prng.int(Math.min(2, shape.disks - 1)) : 0;
  return {
    cluster,
    clusterShare: 0.5 + prng.float() / 2,
    extra: prng.int(Math.min(4, shape.disks)),
    readers: prng.chance(0.5) ? prng.float() : 0.1,
    shuffle: prng.chance(0.5),
    spares: prng.int(3),
  };
}

const EXTRA_MODES: readonly LockMode[] = ['exclusive', 'exclusive', 'shared', 'readonly'];

/** Each VM's boot disks and hotplug spares, drawn from the seed (traits first). */
export function drawDefinitions(shape: WorldShape, storage: Storage, prng: Prng): VmDefinition[] {
  const traits = drawTraits(shape, prng);
  const K = shape.disks;
  const own = K - traits.cluster;
  const definitions: VmDefinition[] = [];
  for (let vm = 0; vm < shape.vms; vm++) {
    const disks: DiskUse[] = [use(storage, vm % own, 'exclusive')];
    const taken = new Set([vm % own]);
    const add = (list: DiskUse[], disk: number, mode: LockMode) => {
      list.push(use(storage, disk, mode));
      taken.add(disk);
    };
    for (let disk = own; disk < K; disk++) {
      if (prng.chance(traits.clusterShare)) add(disks, disk, 'shared');
    }
    const free = () => [...Array(K).keys()].filter((disk) => !taken.has(disk));
    for (let n = prng.int(traits.extra + 1); n > 0 && free().length > 0; n--) {
      const disk = prng.pick(free());
      add(disks, disk, disk >= own ? 'shared' : prng.pick(EXTRA_MODES));
    }
    if (free().length > 0 && prng.chance(traits.readers)) add(disks, prng.pick(free()), 'readonly');
    if (traits.shuffle) shuffle(disks, prng);
    const spares: DiskUse[] = [];
    for (let n = prng.int(traits.spares + 1); n > 0 && free().length > 0; n--) {
      const disk = prng.pick(free());
      add(spares, disk, disk >= own ? 'shared' : prng.pick(EXTRA_MODES));
    }
    definitions.push({ name: `vm${vm}`, disks, spares });
  }
  return definitions;
}

function shuffle<T>(items: T[], prng: Prng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = prng.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

/**
 * The explorer's layouts: the same patterns as the random ones, fixed. On 2 hosts × 2 VMs × 2
 * disks every one but `plain` lets two VMs hold one disk at once.
 */
export const LAYOUTS = {
  /** VM v boots from disk v mod K, exclusive; its spare is the next disk, shared. */
  plain: plainDefinitions,
  /**
   * The last disk is a cluster disk every VM mounts shared — listed first by odd VMs, last by
   * even ones — and each VM has a private exclusive disk while there are any; a VM without one
   * may hotplug the previous VM's private disk. Two VMs run at once sharing the cluster disk.
   */
  cluster(shape: WorldShape, storage: Storage): VmDefinition[] {
    const clusterDisk = shape.disks - 1;
    return [...Array(shape.vms).keys()].map((vm) => {
      const shared = use(storage, clusterDisk, 'shared');
      const disks = vm < clusterDisk ? [use(storage, vm, 'exclusive')] : [];
      const ordered = vm % 2 === 1 ? [shared, ...disks] : [...disks, shared];
      const spares = vm >= clusterDisk && clusterDisk > 0
        ? [use(storage, (vm - 1) % clusterDisk, 'exclusive')] : [];
      return { name: `vm${vm}`, disks: ordered, spares };
    });
  },
  /**
   * Every VM mounts disk 0 shared *before* an exclusive disk they contend for, so an acquire
   * fails after a shared disk that another VM holds too (no rollback: both hold it).
   */
  'shared-first'(shape: WorldShape, storage: Storage): VmDefinition[] {
    return [...Array(shape.vms).keys()].map((vm) => ({
      name: `vm${vm}`,
      disks: shape.disks > 1
        ? [use(storage, 0, 'shared'), use(storage, 1 + (vm % (shape.disks - 1)), 'exclusive')]
        : [use(storage, 0, 'shared')],
      spares: [],
    }));
  },
  /** Each VM writes its own disk and reads the next VM's read-only (never locked). */
  readonly(shape: WorldShape, storage: Storage): VmDefinition[] {
    return [...Array(shape.vms).keys()].map((vm) => ({
      name: `vm${vm}`,
      disks: shape.disks > 1
        ? [use(storage, vm % shape.disks, 'exclusive'), use(storage, (vm + 1) % shape.disks, 'readonly')]
        : [use(storage, 0, 'exclusive')],
      spares: [],
    }));
  },
} as const satisfies Record<string, (shape: WorldShape, storage: Storage) => VmDefinition[]>;

export type LayoutName = keyof typeof LAYOUTS;

export const LAYOUT_NAMES = Object.keys(LAYOUTS) as readonly LayoutName[];

export function isLayoutName(name: string): name is LayoutName {
  return Object.hasOwn(LAYOUTS, name);
}

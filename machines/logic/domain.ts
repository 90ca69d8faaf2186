/** Pure helpers behind the domain machine's assignments. */
import type { ResourceSpec } from '../../contract/resources.ts';

export function withDisk(disks: readonly ResourceSpec[], disk: ResourceSpec | null): ResourceSpec[] {
  return disk === null ? [...disks] : [...disks, disk];
}

export function withoutDisk(disks: readonly ResourceSpec[], disk: ResourceSpec | null): ResourceSpec[] {
  return disk === null ? [...disks] : disks.filter((other) => other.name !== disk.name);
}

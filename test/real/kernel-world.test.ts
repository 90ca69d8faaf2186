/**
 * The real-mode world of the kernel-lock drivers: every spelling the simulator uses exists for
 * real, and realpath — what the drivers canonicalise with — agrees with the model's alias table
 * (`model-kernel`) on every one of them.
 */
import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalisePath } from '../../drivers/model/naming.ts';
import { createKernelWorld } from '../../real/kernel/world.ts';
import { ALIAS_SPELLINGS } from '../../sim/world/storage.ts';

describe('the kernel world', () => {
  it('reaches each disk by every spelling, and realpath agrees with the model', () => {
    const world = createKernelWorld(3);
    try {
      const aliases = world.storage.aliasTable();
      for (let disk = 0; disk < 3; disk++) {
        for (let n = 0; n < ALIAS_SPELLINGS; n++) {
          const spelling = world.storage.spelling(disk, n);
          const modelCanonical = aliases[spelling] ?? normalisePath(spelling);
          expect(modelCanonical).toBe(world.storage.canonical(disk));
          expect(realpathSync(world.realPath(spelling))).toBe(world.image(disk));
        }
        expect(lstatSync(world.realPath(world.storage.spelling(disk, 2))).isSymbolicLink())
          .toBe(true);
        expect(world.identities[disk]!.inode).toBe(lstatSync(world.image(disk)).ino);
      }
    } finally {
      world.remove();
    }
    expect(existsSync(world.root)).toBe(false);
    world.remove();
  });
});

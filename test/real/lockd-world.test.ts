/**
 * The storage of a lockd real-mode world, with no daemon: every spelling the simulator uses
 * reaches the same image for real (realpath agrees with the model's alias table), records
 * written in the stand-ins' format read back per disk and writer, and nothing is left behind.
 */
import { appendFileSync, existsSync, lstatSync, realpathSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { formatRecord, parseRecords } from '../../drivers/kernel/supervisor/records.ts';
import { createLockdWorld, type LockdWorld } from '../../real/lockd/world.ts';
import { ALIAS_SPELLINGS } from '../../sim/world/storage.ts';

let world: LockdWorld | null = null;
afterEach(() => {
  world?.remove();
  world = null;
});

describe('lockd real-mode storage', () => {
  it('reaches each image by every spelling, and realpath gives the canonical one', () => {
    world = createLockdWorld(3);
    const aliases = world.storage.aliasTable();
    for (let disk = 0; disk < 3; disk++) {
      const image = world.image(disk);
      expect(statSync(image).size).toBe(4096);
      for (let n = 0; n < ALIAS_SPELLINGS; n++) {
        const spelled = world.storage.spelling(disk, n);
        expect(statSync(world.realPath(spelled)).ino).toBe(statSync(image).ino);
        expect(realpathSync(world.realPath(spelled))).toBe(world.realPath(aliases[spelled]!));
      }
      expect(lstatSync(world.realPath(world.storage.spelling(disk, 2))).isSymbolicLink())
        .toBe(true);
    }
    expect(() => world!.realPath('/etc/passwd')).toThrow(/no disk of this world/);
  });

  it('reads back the records stand-ins append, by disk and writer, in file order', () => {
    world = createLockdWorld(2);
    const line = (writer: number, seq: number) => formatRecord(writer, writer, seq, 5n);
    expect(parseRecords(line(7, 1))).toEqual([{ index: 0, owner: 7, writer: 7, seq: 1, time: 5n }]);
    appendFileSync(world.image(1), line(4001, 1) + line(4002, 1) + line(4001, 2));
    const model = new Map([[4001, 100], [4002, 101]]);
    expect(world.records((pid) => model.get(pid) ?? -pid)).toEqual([
      { disk: 1, pid: 100 }, { disk: 1, pid: 101 }, { disk: 1, pid: 100 }]);
    expect(world.observe()).toEqual([]);
  });

  it('removes its directory, once', () => {
    world = createLockdWorld(1);
    const root = world.root;
    expect(existsSync(root)).toBe(true);
    world.remove();
    world.remove();
    expect(existsSync(root)).toBe(false);
  });
});

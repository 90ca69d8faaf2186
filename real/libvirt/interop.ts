/**
 * The interop matrix, for real: for each of lockchart's drivers × mode × spelling × pairing ×
 * direction, lockchart and libvirt's own lockd.so contend for one disk on one host, one
 * lockspace directory and one virtlockd (`interop-cases.ts` says what is asked and what is
 * required). Every contest gets a fresh disk; everything it took is given back.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupOnExit } from '../../system/exit-cleanup.ts';
import { isolatedDaemon } from '../../daemons/isolated-virtlockd.ts';
import { VirtlockdDaemon } from '../../daemons/virtlockd.ts';
import {
  interopCases,
  spell,
  spellingsOf,
  type InteropCase,
  type InteropResult,
  type Outcome,
} from './interop-cases.ts';
import {
  LibvirtSide,
  lockchartParty,
  type LockchartDriverName,
  type Mode,
  type Party,
} from './interop-parties.ts';

export interface InteropOptions {
  readonly drivers: readonly (LockchartDriverName | 'libvirt')[];
  readonly modes: readonly Mode[];
  /** Where the run's private directory is made (default: the OS temp dir). */
  readonly parentDir?: string;
  /** Sees each result as it comes (progress). */
  readonly onResult?: (result: InteropResult) => void;
}

/** First takes the disk, second asks for it: was the second refused? */
async function contest(first: Party, firstPath: string, second: Party, secondPath: string):
  Promise<Outcome> {
  try {
    if (!await first.acquire(firstPath)) return `error: ${first.label} was refused a free disk`;
    try {
      const twice = await second.acquire(secondPath);
      if (twice) await second.release(secondPath);
      return twice ? 'granted twice' : 'excluded';
    } finally {
      await first.release(firstPath);
    }
  } catch (error) {
    return `error: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Runs the matrix; resolves with one result per case, in case order. */
export async function runInterop(options: InteropOptions): Promise<InteropResult[]> {
  const root = realpathSync(mkdtempSync(join(options.parentDir ?? tmpdir(), 'lockchart-interop-')));
  const dispose = cleanupOnExit(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'disks'));
  mkdirSync(join(root, 'by-id'));
  const lockspace = join(root, 'lockspace');
  let disks = 0;
  const freshDisk = () => {
    const name = `d${disks++}`;
    writeFileSync(spell(root, name, 'as written'), '');
    symlinkSync(spell(root, name, 'as written'), spell(root, name, 'symlink'));
    return name;
  };
  const run = (c: InteropCase, lockchart: Party, libvirt: Party, disk: string): Promise<Outcome> => {
    const [ours, theirs] = spellingsOf(c).map((spelling) => spell(root, disk, spelling)) as
      [string, string];
    return c.direction === 'lockchart first' ? contest(lockchart, ours, libvirt, theirs)
      : contest(libvirt, theirs, lockchart, ours);
  };
  const daemon = await VirtlockdDaemon.start(isolatedDaemon({ parentDir: root }));
  const results: InteropResult[] = [];
  try {
    for (const mode of options.modes) {
      const libvirt = await LibvirtSide.start(daemon.socketPath, mode, lockspace,
        join(root, `libvirt-${mode}`));
      try {
        for (const driver of options.drivers) {
          const lockchart = driver === 'libvirt' ? libvirt.party(1)
            : await lockchartParty(driver, mode, daemon.socketPath, lockspace);
          const other = libvirt.party(2);
          try {
            for (const c of interopCases([driver], [mode])) {
              const result = { ...c, outcome: await run(c, lockchart, other, freshDisk()) };
              results.push(result);
              options.onResult?.(result);
            }
          } finally {
            await lockchart.close();
          }
        }
      } finally {
        await libvirt.close();
      }
    }
  } finally {
    await daemon.stop();
    rmSync(root, { recursive: true, force: true });
    dispose();
  }
  return results;
}

/**
 * How real mode starts an owner program fast (lockd's, and sanlock's: `OWNER_PROGRAMS`). Real mode launches about one VM stand-in
 * every four steps, and through tsx's loader a Node owner takes ~0.25 s of CPU to start, which
 * caps a run at a few steps per second. The same program bundled into one plain ES module (by
 * esbuild, which tsx already brings along) starts like any small Node script (~60 ms of CPU).
 *
 * The bundle is built from the program's `owner-main.ts` into the run's own temporary directory
 * (so it is removed with it, and always matches the source). Where esbuild cannot be loaded the
 * owner starts through tsx as everywhere else: slower, the same program.
 */
import { join } from 'node:path';
import { programPath } from '../../system/program.ts';

/** The owner programs real mode runs, by driver. */
export const OWNER_PROGRAMS = {
  lockd: programPath(new URL('../../drivers/lockd/owner-main.ts', import.meta.url)),
  sanlock: programPath(new URL('../../drivers/sanlock/owner-main.ts', import.meta.url)),
} as const;

interface Esbuild {
  build(options: Record<string, unknown>): Promise<unknown>;
  /** Ends esbuild's service process (it would otherwise live as long as this one). */
  stop?(): void | Promise<void>;
}

/**
 * Bundles the owner program of `driver` into `dir`; resolves with the bundle's path, or
 * undefined (start the owner through tsx) when esbuild is not available.
 */
export async function bundleOwnerProgram(dir: string, driver: keyof typeof OWNER_PROGRAMS = 'lockd'):
  Promise<string | undefined> {
  let esbuild: Esbuild;
  try {
    esbuild = (await import('esbuild' as string)) as Esbuild;
  } catch {
    return undefined;
  }
  const outfile = join(dir, `${driver}-owner.mjs`);
  try {
    await esbuild.build({ entryPoints: [OWNER_PROGRAMS[driver]], bundle: true, platform: 'node',
      format: 'esm', target: 'node20', outfile, logLevel: 'silent' });
  } catch {
    return undefined;
  } finally {
    await esbuild.stop?.();
  }
  return outfile;
}

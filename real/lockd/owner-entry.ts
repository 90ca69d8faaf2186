/**
 * How real mode starts the lockd owner program fast. Real mode launches about one VM stand-in
 * every four steps, and through tsx's loader a Node owner takes ~0.25 s of CPU to start, which
 * caps a run at a few steps per second. The same program bundled into one plain ES module (by
 * esbuild, which tsx already brings along) starts like any small Node script (~60 ms of CPU).
 *
 * The bundle is built from `drivers/lockd/owner-main.ts` into the run's own temporary directory
 * (so it is removed with it, and always matches the source). Where esbuild cannot be loaded the
 * owner starts through tsx as everywhere else: slower, the same program.
 */
import { join } from 'node:path';
import { programPath } from '../../system/program.ts';

const OWNER_MAIN = programPath(new URL('../../drivers/lockd/owner-main.ts', import.meta.url));

interface Esbuild {
  build(options: Record<string, unknown>): Promise<unknown>;
  /** Ends esbuild's service process (it would otherwise live as long as this one). */
  stop?(): void | Promise<void>;
}

/**
 * Bundles the owner program into `dir`; resolves with the bundle's path, or undefined (start
 * the owner through tsx) when esbuild is not available.
 */
export async function bundleOwnerProgram(dir: string): Promise<string | undefined> {
  let esbuild: Esbuild;
  try {
    esbuild = (await import('esbuild' as string)) as Esbuild;
  } catch {
    return undefined;
  }
  const outfile = join(dir, 'lockd-owner.mjs');
  try {
    await esbuild.build({ entryPoints: [OWNER_MAIN], bundle: true, platform: 'node',
      format: 'esm', target: 'node20', outfile, logLevel: 'silent' });
  } catch {
    return undefined;
  } finally {
    await esbuild.stop?.();
  }
  return outfile;
}

/** The empty disk image a harness's check locks: `<dir>/<name>.img`, created if missing. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function emptyDiskImage(dir: string, name: string): Promise<string> {
  const path = join(dir, `${name}.img`);
  await writeFile(path, '', { flag: 'a' });
  return path;
}

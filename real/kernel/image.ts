/** What libvirtd does when it reads a disk image's header: open, read the first bytes, close. */
import { closeSync, openSync, readSync } from 'node:fs';

const HEADER_BYTES = 512;

/**
 * Opens the image read-only, reads its header and closes the descriptor again. Harmless for OFD
 * locks and for locks held by another process; in a process holding POSIX locks on the file, the
 * close drops them all (the POSIX trap).
 */
export function readImageHeader(path: string): void {
  const fd = openSync(path, 'r');
  try {
    readSync(fd, Buffer.alloc(HEADER_BYTES), 0, HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
}

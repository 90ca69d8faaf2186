/**
 * How lockchart starts the virtlockd daemons that libvirt's code talks to: through the helper's
 * `exec-pdeath --private-run` wrapper, so each daemon dies with this process (even by SIGKILL)
 * and has a /run of its own — its re-exec state file cannot be stolen by another virtlockd
 * starting on the machine, and a daemon that lost its state cannot bind sockets in the
 * machine's /run/libvirt (`daemons/virtlockd.ts`, `privateRun`).
 */
import type { VirtlockdOptions } from './virtlockd.ts';
import { parentDeathWrapper } from '../drivers/libvirt/build.ts';

export function isolatedDaemon(options: VirtlockdOptions = {}): VirtlockdOptions {
  return { ...options, wrapper: parentDeathWrapper({ privateRun: true }), privateRun: true };
}

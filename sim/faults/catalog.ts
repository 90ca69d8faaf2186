/**
 * The fault classes. Each can be switched on alone (`--faults NAME`); their names are part of
 * the CLI and of traces. The mechanisms live in `sim/world/`; this file is the policy side:
 * what each fault is, where in libvirt's history it comes from, and how often it strikes.
 */

export const FAULT_NAMES = [
  'process-crash',
  'process-kill',
  'libvirtd-restart',
  'daemon-crash',
  'daemon-reexec',
  'acquire-fails',
  'release-fails',
  'partial-acquire',
  'host-crash',
  'external-resume',
  'path-alias',
  'connection-drop',
  'image-probe',
] as const;

export type FaultName = (typeof FAULT_NAMES)[number];

export interface FaultInfo {
  readonly name: FaultName;
  readonly summary: string;
  /** Where the fault comes from (reference §6 item numbers). */
  readonly history: string;
}

export const FAULTS: Readonly<Record<FaultName, FaultInfo>> = {
  'process-crash': {
    name: 'process-crash',
    summary: 'a QEMU process crashes; its connection to the lock daemon closes (EOF)',
    history: '§5 shutdown/destroy/crash: no lock call, the daemon releases on EOF',
  },
  'process-kill': {
    name: 'process-kill',
    summary: 'a QEMU process is SIGKILLed by someone else',
    history: '§7 QEMU crash or SIGKILL',
  },
  'libvirtd-restart': {
    name: 'libvirtd-restart',
    summary: 'libvirtd crashes and restarts while VMs keep running; calls in flight may or may not have reached the daemon',
    history: '§5 reconnect makes no lock call; §6 #11, #25, #27',
  },
  'daemon-crash': {
    name: 'daemon-crash',
    summary: 'the lock daemon dies and restarts empty while VMs keep running',
    history: '§6 #1 (systemctl restart virtlockd), #3',
  },
  'daemon-reexec': {
    name: 'daemon-reexec',
    summary: 'the lock daemon re-executes itself keeping its state; a queued reply may be lost',
    history: '§6 #2, virtlockd-protocol §5 (6 of 10 re-execs lost a reply)',
  },
  'acquire-fails': {
    name: 'acquire-fails',
    summary: 'an acquire fails with an RPC error after no or all of its resources took effect',
    history: 'seed: "Do we need to guarantee that the lock is not obtained on failure? ... leave it undefined"',
  },
  'release-fails': {
    name: 'release-fails',
    summary: 'a release fails after some prefix of its resources was released',
    history: 'seed: failed release left undefined; §6 #9 (pause with failed release)',
  },
  'partial-acquire': {
    name: 'partial-acquire',
    summary: 'a multi-resource acquire fails midway; earlier resources stay taken (no rollback)',
    history: '§6 #6, #7',
  },
  'host-crash': {
    name: 'host-crash',
    summary: 'a host dies with its libvirtd, lock daemon and VMs, and reboots empty',
    history: '§7 host crash',
  },
  'external-resume': {
    name: 'external-resume',
    summary: "a paused guest is resumed outside libvirt (QMP cont); libvirtd's RESUME handler does not acquire",
    history: '§6 #10',
  },
  'path-alias': {
    name: 'path-alias',
    summary: 'a VM reaches a disk through another spelling of its path (//x, a by-id symlink)',
    history: '§6 #19, virtlockd-protocol §4 aliasing hazard',
  },
  'connection-drop': {
    name: 'connection-drop',
    summary: "a QEMU's own lock-daemon connection closes while QEMU lives",
    history: '§6 #22',
  },
  'image-probe': {
    name: 'image-probe',
    summary: 'libvirtd opens a disk of one of its VMs and closes it again (reads the ' +
      "image's header); for the lock service nothing happens",
    history: "§6 #5: closing any descriptor drops the process's POSIX locks on the file, " +
      'which is why locks cannot live in libvirtd (the POSIX trap)',
  },
};

export function isFaultName(name: string): name is FaultName {
  return (FAULT_NAMES as readonly string[]).includes(name);
}

/** Parses `--faults a,b` (or `none`); unknown names are an error naming the valid ones. */
export function parseFaults(text: string): FaultName[] | { error: string } {
  if (text === 'none' || text === '') return [];
  const names = text.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !isFaultName(name));
  if (unknown.length > 0) {
    return { error: `unknown fault${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`)
      .join(', ')} (known: none, ${FAULT_NAMES.join(', ')})` };
  }
  return [...new Set(names)] as FaultName[];
}

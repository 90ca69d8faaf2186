/**
 * The drivers lockchart ships, as offers (`offer.ts`): the service models the simulator steps,
 * and the real drivers with the model each is checked against. A real driver's code (native
 * addons, daemon clients) loads only when something creates one.
 */
import type { DriverConfig, LockDriver } from '../../contract/driver.ts';
import { SANLOCK_DAEMON_CONFIG } from '../lease/driver.ts';
import { leaseModel } from '../lease/model.ts';
import { LEASE_ROW_CONFIG } from '../lease/params.ts';
import { lockdModel } from '../model/lockd-model.ts';
import { nopModel } from '../nop/nop-model.ts';
import type { LockServiceModel } from '../../contract/service.ts';
import type { DriverFamily, DriverOffer, ModelOffer } from './offer.ts';

const BUILTIN = { kind: 'builtin' } as const;

const modelOffer = (model: LockServiceModel<never>, config: DriverConfig = {}): ModelOffer =>
  ({ model: model as LockServiceModel<unknown>, config });

function simulated(model: LockServiceModel<never>, config: DriverConfig = {}, name = model.name,
  summary = model.summary): DriverOffer {
  return { name, summary, origin: BUILTIN, model: modelOffer(model, config) };
}

/**
 * The model of the kernel-lock drivers (ofd, posix): libvirt's names plus alias locks, direct
 * locks on the file itself, and owners watched.
 */
export const MODEL_KERNEL = simulated(lockdModel as LockServiceModel<never>,
  { alias_locks: true, inode_locks: true, watch_owners: true }, 'model-kernel',
  "virtlockd's semantics with libvirt's names, alias locks and watched owners (ofd, posix)");
/** The model of the real lockd driver: virtlockd's semantics, libvirt's names plus alias locks. */
export const MODEL_LOCKD = simulated(lockdModel as LockServiceModel<never>, { alias_locks: true },
  'model-lockd', "virtlockd's semantics with libvirt's names plus alias locks (the real lockd driver)");
/** libvirt's own lockd.so is checked against virtlockd's semantics with libvirt's names exactly. */
const MODEL = simulated(lockdModel as LockServiceModel<never>);

const reference = (offer: DriverOffer) => ({ name: offer.name, ...offer.model! });

function real(name: string, summary: string, family: DriverFamily, referenceOffer: DriverOffer,
  create: () => Promise<LockDriver>): DriverOffer {
  return { name, summary, origin: BUILTIN, reference: reference(referenceOffer),
    driver: { create, config: {}, family } };
}

/**
 * A foreign libvirt: h1's libvirtd runs libvirt's own lockd.so, the other hosts lockchart's lockd
 * driver, on one shared lockspace (indirect leases: their names meet there, across hosts). The
 * matrix shows the interop hole of docs/interop.md on it.
 */
const MODEL_FOREIGN = simulated(lockdModel as LockServiceModel<never>,
  { file_lockspace_dir: '/var/lib/libvirt/lockd/files', alias_locks: true, foreign_hosts: '1' },
  'model-foreign', "lockchart's lockd driver next to libvirt's own lockd.so (h1), one lockspace");

/**
 * The lease model as this repository's real sanlock daemons run (io_timeout 1 s, `-w 0`): what
 * real mode compares the `sanlock` driver and libvirt's sanlock.so with.
 */
export const MODEL_SANLOCK = simulated(leaseModel as LockServiceModel<never>, SANLOCK_DAEMON_CONFIG,
  'model-sanlock', "sanlock's leases as the real daemons here run (io_timeout 1 s, no watchdog)");

/**
 * The lease row does not judge S9: libvirt hands sanlock no lease version to check at a resume
 * after a pause, whatever the plugin does with one (§6 #8 wipes the string, §6 #12 ignores it),
 * so S9 would end every run that pauses and hide the row's timing verdicts.
 */
function leaseRow(offer: DriverOffer): DriverOffer {
  return { ...offer, model: { ...offer.model!, unjudged: { invariants: ['S9'],
    why: 'S9 not judged: §6 #8, #12' } } };
}

/** The built-in models the safety matrix simulates by default. */
export const DEFAULT_MODELS: readonly DriverOffer[] = [
  simulated(nopModel as LockServiceModel<never>),
  MODEL,
  MODEL_FOREIGN,
  leaseRow(simulated(leaseModel as LockServiceModel<never>, LEASE_ROW_CONFIG)),
];

export const BUILTIN_OFFERS: readonly DriverOffer[] = [
  ...DEFAULT_MODELS,
  MODEL_SANLOCK,
  simulated(lockdModel as LockServiceModel<never>,
    { file_lockspace_dir: '/var/lib/libvirt/lockd/files' }, 'model-indirect',
    "virtlockd's semantics with indirect leases (file_lockspace_dir)"),
  MODEL_KERNEL,
  MODEL_LOCKD,
  real('ofd', 'kernel OFD locks on byte 0, held in libvirtd', 'ofd', MODEL_KERNEL,
    async () => (await import('../ofd/driver.ts')).createOfdDriver()),
  real('posix', "process-owned POSIX locks, held by each VM's supervisor", 'posix', MODEL_KERNEL,
    async () => {
      const { AgentDirectory } = await import('../kernel/supervisor/agents.ts');
      return (await import('../posix/driver.ts')).createPosixDriver({ agents: new AgentDirectory() });
    }),
  real('posix-naive', "POSIX locks in libvirtd's own process (shows the POSIX trap)",
    'posix-naive', MODEL_KERNEL,
    async () => (await import('../posix/naive.ts')).createNaivePosixDriver()),
  real('lockd', "libvirt's lockd driver over the real virtlockd", 'lockd', MODEL_LOCKD,
    async () => (await import('../lockd/driver.ts')).createLockdDriver() as LockDriver),
  real('sanlock', "libvirt's sanlock driver (lock_driver_sanlock.c) over real sanlock daemons",
    'sanlock', MODEL_SANLOCK,
    async () => (await import('../sanlock/driver.ts')).createSanlockDriver() as LockDriver),
  real('libvirt-lockd', "libvirt's own lockd.so (libvirt.so.0) over the real virtlockd",
    'libvirt-lockd', MODEL,
    async () => (await import('../libvirt/driver.ts')).createLibvirtDriver() as LockDriver),
  real('libvirt-sanlock', "libvirt's own sanlock.so (libvirt.so.0) over real sanlock daemons",
    'libvirt-sanlock', MODEL_SANLOCK,
    async () => (await import('../libvirt/driver.ts')).createLibvirtSanlockDriver() as LockDriver),
];

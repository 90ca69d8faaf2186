/**
 * `storage-stall`: the host's lease storage hangs: renewals time out, the lease fails, its holders
 * are killed. The daemon's renewals stop at once (a hung I/O is abandoned after io_timeout
 * (SANLK_AIO_TIMEOUT)), so its own check fails the lease id_renewal_fail_seconds after the last
 * renewal; the kill escalation follows, and other hosts may take the leases over after
 * host_dead_seconds. Lease calls on the host fail meanwhile, and a holder's death cannot release
 * its leases (they stay held on disk). Strikes a lock service on the virtual clock; the storage
 * works again after the step's duration, or never.
 */
import { storageFault, type StorageStep } from './storage.ts';

export interface StorageStallStep extends StorageStep<'storage-stall'> {}

export const storageStall = storageFault<StorageStallStep>('storage-stall', 'stall', {
  summary: "the host's lease storage hangs: renewals time out, the lease fails, its holders are killed",
  history: 'reference sanlock.md §6 (hung I/O: SIGTERM at +5.8 s, SIGKILL at +8.8 s); §7 storage or network loss',
});

/**
 * `storage-eio`: the host's lease storage fails with EIO: renewals stop, the lease fails, its
 * holders are killed. The daemon's renewals stop at once (with EIO every renewal fails at once),
 * so its own check fails the lease id_renewal_fail_seconds after the last renewal; the kill
 * escalation follows, and other hosts may take the leases over after host_dead_seconds. Lease
 * calls on the host fail meanwhile, and a holder's death cannot release its leases (they stay held
 * on disk). Strikes a lock service on the virtual clock; the storage works again after the step's
 * duration, or never.
 */
import { storageFault, type StorageStep } from './storage.ts';

export interface StorageEioStep extends StorageStep<'storage-eio'> {}

export const storageEio = storageFault<StorageEioStep>('storage-eio', 'eio', {
  summary: "the host's lease storage fails with EIO: renewals stop, the lease fails, its holders are killed",
  history: 'reference sanlock.md §6 (EIO on the lease file: SIGTERM at +6.8 s, SIGKILL, before any takeover); §7 storage or network loss',
});

/**
 * Canaries of the `lease` model (sanlock on the virtual clock): each is the lease model with one
 * timing or release bug that sanlock deployments really had or that its safety argument rules
 * out. The simulator must catch each against the correct `lease` model (`reference`), as it
 * catches the virtlockd canaries (`canaries.ts`).
 */
import type { DriverConfig } from '../../contract/driver.ts';
import type { LockServiceModel } from '../../contract/service.ts';
import { LEASE_ROW_CONFIG } from '../../drivers/lease/params.ts';
import { leaseModel } from '../../drivers/lease/model.ts';
import type { LeaseState } from '../../drivers/lease/state.ts';
import { settle } from '../../drivers/lease/lapse.ts';

function variant(name: string, summary: string, overrides: Partial<LockServiceModel<LeaseState>>):
  LockServiceModel<LeaseState> {
  return { ...leaseModel, name, summary, ...overrides };
}

/** The lease model with its timing changed as `change` says (parameters live in the state). */
function retimed(change: (params: LeaseState['params']) => LeaseState['params']):
  Pick<LockServiceModel<LeaseState>, 'initial'> {
  return {
    initial: (config) => {
      const state = leaseModel.initial(config);
      return { ...state, params: change(state.params) };
    },
  };
}

export interface LeaseCanary {
  readonly name: string;
  readonly bug: string;
  readonly faults: readonly string[];
  readonly caughtBy: string;
  readonly steps: number;
  /** The correct driver it is compared with, and its configuration (lease versions checked). */
  readonly reference: 'lease';
  readonly config: DriverConfig;
  readonly model: LockServiceModel<LeaseState>;
}

export const LEASE_CANARIES: readonly LeaseCanary[] = [
  {
    name: 'canary-lease-no-watchdog',
    bug: 'believes its host is fenced but never arms the watchdog (sanlock -w 0 where wdmd was ' +
      'assumed): a daemon stopped past host_dead_seconds leaves its VMs running while another ' +
      'host takes their leases over (§6 #18)',
    faults: ['process-pause'],
    caughtBy: 'S2',
    steps: 2000,
    reference: 'lease',
    config: LEASE_ROW_CONFIG,
    model: variant('canary-lease-no-watchdog', 'the lease model without its watchdog',
      retimed((params) => ({ ...params, useWatchdog: false }))),
  },
  {
    name: 'canary-lease-early-expiry',
    bug: 'lets other hosts take a silent host\'s leases over at id_renewal_fail_seconds instead ' +
      'of host_dead_seconds (forgets the watchdog fire timeout), before the watchdog has reset ' +
      'the silent host',
    faults: ['process-pause'],
    caughtBy: 'S2',
    steps: 2000,
    reference: 'lease',
    config: LEASE_ROW_CONFIG,
    model: variant('canary-lease-early-expiry', 'takeover before the watchdog fires',
      retimed((params) => ({ ...params, hostDeadMs: params.idRenewalFailMs }))),
  },
  {
    name: 'canary-lease-release-all',
    bug: "releases every lease of the pid when one is released (SANLK_REL_ALL, libvirt's 2011 " +
      'sanlock plugin: a one-disk detach dropped all the VM\'s leases, §6 #15)',
    faults: [],
    caughtBy: 'S2',
    steps: 2000,
    reference: 'lease',
    config: LEASE_ROW_CONFIG,
    model: variant('canary-lease-release-all', 'a release drops all the pid\'s leases', {
      release(state, request) {
        const reply = leaseModel.release(state, request);
        if (!reply.ok) return reply;
        const { pid, host } = request.owner;
        const leases = reply.state.leases.map((lease) => (lease.holders.some((h) => h.pid === pid && h.host === host)
          ? { ...lease, holders: lease.holders.filter((h) => !(h.pid === pid && h.host === host)) } : lease));
        return { ...reply, state: settle({ ...reply.state, leases }, host) };
      },
    }),
  },
];

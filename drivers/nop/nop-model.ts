/**
 * The `nop` driver's service: libvirt's default (`lock_driver_nop.c`). Every call succeeds and
 * nothing is ever locked, so nothing stops two VMs from writing one disk. The simulator must find
 * that quickly; the conformance suite must report exactly which exclusion checks it fails.
 */
import type { FailureSemantics } from '../../contract/driver.ts';
import { ok, type LockServiceModel } from '../../contract/service.ts';

/** nop keeps no state at all. */
export type NopState = null;

export const NOP_FAILURE: FailureSemantics = {
  acquire: 'nothing',
  release: 'nothing',
  rationale: 'nop never fails and holds nothing, so a failure cannot leave anything behind',
};

export const nopModel: LockServiceModel<NopState> = {
  name: 'nop',
  summary: "no locking at all (libvirt's default lock manager)",
  failure: NOP_FAILURE,
  usesState: false,
  locks: false,
  initial: () => null,
  checkResource: () => null,
  register: (state) => ok(state, null),
  acquire: (state) => ok(state, null),
  release: (state) => ok(state, null),
  inquire: (state) => ok(state, null),
  callFromOwner: (state) => ok(state, null),
  ownerGone: (state) => ({ state, released: 0, kill: false }),
  daemonCrash: (state) => state,
  daemonReexec: (state) => state,
  hostCrash: (state) => state,
  grants: () => [],
  registration: () => 'none',
  encode: () => '',
  // nop's state mentions nobody: every renaming leaves it as it is.
  relabel: (state) => state,
};

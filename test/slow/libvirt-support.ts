/**
 * Whether libvirt's own lock manager can be driven here (the helper needs root, gcc,
 * libvirt.so.0, lockd.so, and a virtlockd to talk to). Outside CI a missing piece skips with a
 * printed reason; in CI the tests run and fail.
 */
import { existsSync } from 'node:fs';
import { libvirtSupport } from '../../drivers/libvirt/build.ts';
import { VIRTLOCKD_BINARY } from '../../daemons/virtlockd.ts';
import { describeWhere } from '../helpers/describe-where.ts';
import { sanlockMissing } from './sanlock-support.ts';

function missing(): string | null {
  if (!existsSync(VIRTLOCKD_BINARY)) return `${VIRTLOCKD_BINARY} is not installed (libvirt-daemon)`;
  return libvirtSupport('lockd');
}

const why = missing();

/** `describe`, or a skip with a printed reason when libvirt cannot be driven here (never in CI). */
export function describeLibvirt(name: string, body: () => void): void {
  describeWhere(why, name, body);
}

const whySanlock = sanlockMissing ?? libvirtSupport('sanlock');

/**
 * `describe`, or a printed skip when libvirt's sanlock.so cannot be driven here (no sanlock,
 * libvirt-sanlock, gcc or root; never in CI).
 */
export function describeLibvirtSanlock(name: string, body: () => void): void {
  describeWhere(whySanlock, name, body);
}

/**
 * The checks libvirt's sanlock.so fails against the conformance suite, each with the finding
 * (docs/libvirt.md, S1–S4) its failure must show: the suite through the harness
 * (`libvirt-sanlock-conformance.test.ts`) and through `lockchart conform` share them.
 */

/** S1: a lease held on this host is reported as a system error (errno EEXIST). */
export const BUSY_AS_SYSTEM_ERROR = /got SYSTEM_ERROR: Failed to acquire lock: File exists|^Failed to acquire lock: File exists$/;

/** The findings each failing check must show (docs/libvirt.md, sanlock.so). */
export const SANLOCK_SO_FINDINGS: Readonly<Record<string, RegExp>> = {
  'exclusive-excludes-exclusive': BUSY_AS_SYSTEM_ERROR,
  'exclusive-excludes-shared': BUSY_AS_SYSTEM_ERROR,
  'shared-excludes-exclusive': BUSY_AS_SYSTEM_ERROR,
  'same-owner-exclusive-twice': BUSY_AS_SYSTEM_ERROR,
  'failed-acquire-matches-declared-outcomes': BUSY_AS_SYSTEM_ERROR,
  'failed-release-matches-declared-outcomes': BUSY_AS_SYSTEM_ERROR,
  // S2: a release names only what inquire says the pid holds: nothing, so it "succeeds".
  'release-by-non-owner': /but it succeeded$/,
  'release-unheld-fails': /but it succeeded$/,
  // S3: the dead owner's leases are released asynchronously; libvirt does not retry -EAGAIN.
  'owner-exit-releases': /got SYSTEM_ERROR: Failed to acquire lock: Resource temporarily unavailable$/,
  // S4: the daemon never answers a command on a RESTRICT_ALL connection (and wedges on it).
  'restricted-connection-changes-nothing': /reading the reply: Connection timed out$/,
};

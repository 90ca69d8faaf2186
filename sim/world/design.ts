/**
 * Which lock-manager design the simulated libvirtd follows (`--design`):
 *
 * - `libvirt` — the design libvirt shipped: every lock call is a short-lived manager context in
 *   libvirtd (`domain_lock.c`), QEMU owns its locks on its own connection.
 * - `rfc` — the 2010 RFC's design (`reference/seed-rfc-lock-manager-api.txt`): a supervisor per
 *   VM holds one long-lived manager context and the VM's leases; the VM is its child, exec'd
 *   paused, and its vCPUs start only once the resources were acquired; hotplug is AcquireResource (which waits while the
 *   resource is busy) and ReleaseResource; once the child has stopped the supervisor shuts down
 *   (Shutdown releases) and frees; Free kills a child that still runs.
 * - `rfc-early-shutdown` — the same, with libvirtd calling Shutdown when the VM "can be stopped"
 *   (as it begins to destroy it, the seed's other reading) rather than once it "has been": the
 *   locks are released while the child may still run, until Free's kill at the grace.
 */
export const DESIGNS = ['libvirt', 'rfc', 'rfc-early-shutdown'] as const;
export type Design = (typeof DESIGNS)[number];

export const DEFAULT_DESIGN: Design = 'libvirt';

export function isDesign(value: unknown): value is Design {
  return typeof value === 'string' && (DESIGNS as readonly string[]).includes(value);
}

/** Whether a design puts a supervisor (and its long-lived manager context) beside each VM. */
export function supervised(design: Design): boolean {
  return design !== 'libvirt';
}

/**
 * A suite that needs a system component (a daemon, a browser, libvirt): `describe` where it can
 * run, else a skip with its reason printed. Never a skip in CI, which installs everything: there
 * a missing component fails the suite instead of hiding it.
 */
import { describe } from 'vitest';

/** `describe(name, body)`, or a printed skip when `missing` says why it cannot run here. */
export function describeWhere(missing: string | null, name: string, body: () => void): void {
  if (missing !== null && process.env['CI'] !== 'true') {
    console.warn(`skipping '${name}': ${missing}`);
    describe.skip(name, body);
    return;
  }
  describe(name, body);
}

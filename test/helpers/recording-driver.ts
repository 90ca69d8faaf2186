/**
 * A driver decorator that records every callback libvirt's wrapper makes, and can make release
 * and inquire return state strings (like sanlock's), so tests see exactly what a driver is
 * handed and what the face gives back.
 */
import type { AcquireOptions, LockDriver } from '../../contract/driver.ts';
import { DriverFlags } from '../../contract/flags.ts';

export interface RecordedCall {
  readonly method: string;
  readonly args: readonly unknown[];
}

export interface RecordingDriver extends LockDriver {
  readonly calls: RecordedCall[];
  /** The options of every acquire, in order. */
  acquires(): AcquireOptions[];
}

export function recording(inner: LockDriver, options: { stateStrings?: boolean } = {}):
  RecordingDriver {
  const calls: RecordedCall[] = [];
  let version = 0;
  const record = <T>(method: string, args: unknown[], call: () => Promise<T>): Promise<T> => {
    calls.push({ method, args });
    return call();
  };
  const stateful = options.stateStrings === true;
  return {
    name: inner.name,
    version: inner.version,
    flags: stateful ? inner.flags | DriverFlags.USES_STATE : inner.flags,
    failure: inner.failure,
    calls,
    acquires: () => calls.filter((c) => c.method === 'acquire')
      .map((c) => c.args[1] as AcquireOptions),
    init: (...args) => record('init', args, () => inner.init(...args)),
    deinit: () => record('deinit', [], () => inner.deinit()),
    create: (...args) => record('create', args, () => inner.create(...args)),
    addResource: (...args) => record('addResource', args, () => inner.addResource(...args)),
    acquire: (...args) => record('acquire', args, () => inner.acquire(...args)),
    release: (...args) => record('release', args, async () => {
      const state = await inner.release(...args);
      return stateful ? `lease-state:${++version}` : state;
    }),
    inquire: (...args) => record('inquire', args, async () => {
      const state = await inner.inquire(...args);
      return stateful ? `lease-state:${version}` : state;
    }),
    free: (...args) => record('free', args, () => inner.free(...args)),
  };
}

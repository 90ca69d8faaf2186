/**
 * Content-equal lock service states as one object. Models return a new state object for every
 * call, even when nothing changed; giving equal states (equal `encode`, which the service
 * contract makes canonical) one object lets every cache keyed by the object hit — the grants
 * the checkers derive, the service codes of the canonical form — and lets the checkers' "the
 * service did not change" shortcut apply.
 */
import type { LockServiceModel } from '../../contract/service.ts';
import type { World } from '../world/types.ts';

/** Beyond this many distinct states the table starts afresh (it only saves work). */
const LIMIT = 1_000_000;

/** One object per distinct service state content (see the file comment). */
export class ServiceInterner {
  private readonly byEncoding = new Map<string, unknown>();
  private readonly interned = new WeakSet<object>();

  constructor(private readonly model: LockServiceModel<unknown>) {}

  /** `world`, with its service state replaced by the one object for its content. */
  intern(world: World, before: World): World {
    const service = world.service;
    if (service === before.service || typeof service !== 'object' || service === null ||
      this.interned.has(service)) return world;
    const encoding = this.model.encode(service);
    const known = this.byEncoding.get(encoding);
    if (known !== undefined) return { ...world, service: known };
    if (this.byEncoding.size >= LIMIT) this.byEncoding.clear();
    this.byEncoding.set(encoding, service);
    this.interned.add(service);
    return world;
  }
}

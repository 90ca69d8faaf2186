/**
 * Lock service states as small integer codes, with owner pids numbered canonically and hosts
 * and disk paths renamed through the model's own `relabel` (contract/service.ts).
 *
 * The pids a service state mentions are found once per distinct state, by relabelling it with a
 * map that records what it is asked; a pid numbering and a renaming then give a signature, and
 * each signature is relabelled and encoded once.
 */
import type { LockServiceModel } from '../../contract/service.ts';
import { Interner } from './interner.ts';
import type { Renaming } from './renaming.ts';

interface ServiceInfo {
  /** The pids the state mentions, in the order its relabelling asks for them. */
  readonly pids: readonly number[];
  /** Code by signature (renaming index and the new numbers of `pids`). */
  readonly codes: Map<number | string, number>;
}

/** A signature packed in a number: 7 bits per pid number (ample for the worlds explored). */
function numericSignature(pids: readonly number[], t: number, known: (pid: number) => number) {
  let signature = t;
  for (const pid of pids) {
    const n = known(pid) + 1;
    if (n >= 128) return `${t}:${pids.map(known).join(',')}`;
    signature = signature * 128 + n;
  }
  return signature;
}

/** Pids only the service mentions are numbered from here (the world numbers far fewer). */
const SERVICE_ONLY = 1 << 20;
/** A placeholder range for them while the renamed state is put in order. */
const PLACEHOLDER = 1 << 24;

/** Cached service states are forgotten beyond this many (the caches only save work). */
const CACHE_LIMIT = 200_000;

/** Codes of service states under renamings, with canonically numbered pids. */
export class ServiceCodes {
  private readonly byObject = new WeakMap<object, ServiceInfo>();
  private readonly byEncoding = new Map<string, ServiceInfo>();
  private readonly interner = new Interner();

  constructor(
    private readonly model: LockServiceModel<unknown>,
    private readonly renamings: readonly Renaming[],
  ) {}

  /** The raw code of a state: its encoding, pids and all (for models without `relabel`). */
  rawCode(service: unknown): number {
    return this.interner.code(this.model.encode(service));
  }

  /**
   * The code of `service` under renaming `t`. `known` gives the numbers the rest of the world
   * already gave pids (-1: a pid only the service mentions — an owner that is gone). Those are
   * numbered from `SERVICE_ONLY` on, in the order the *renamed* state mentions them, so that
   * symmetric states number them alike.
   */
  code(service: unknown, t: number, known: (pid: number) => number): number {
    const info = this.info(service);
    const signature = info.pids.length <= 6 ? numericSignature(info.pids, t, known)
      : `${t}:${info.pids.map(known).join(',')}`;
    let code = info.codes.get(signature);
    if (code === undefined) {
      code = this.interner.code(this.model.encode(this.renamed(service, t, known)));
      info.codes.set(signature, code);
    }
    return code;
  }

  private renamed(service: unknown, t: number, known: (pid: number) => number): unknown {
    const renaming = this.renamings[t]!;
    const first = this.model.relabel!(service, {
      pid: (pid) => {
        const number = known(pid);
        return number >= 0 ? number : PLACEHOLDER + pid;
      },
      host: (host) => renaming.host[host] ?? host,
      resource: (name) => renaming.path(name),
    });
    if (first === undefined) throw new Error('invariant: a symmetry the model refused was used');
    const gone = this.pidsOf(first).filter((pid) => pid >= PLACEHOLDER);
    if (gone.length === 0) return first;
    return this.model.relabel!(first, {
      pid: (pid) => (pid >= PLACEHOLDER ? SERVICE_ONLY + gone.indexOf(pid) : pid),
      host: (host) => host,
      resource: (name) => name,
    });
  }

  /** The stable hashes of a code (`Interner`): what the canonical form holds. */
  hi(code: number): number {
    return this.interner.hi(code);
  }

  lo(code: number): number {
    return this.interner.lo(code);
  }

  /** Whether the model accepts renaming `t` as a symmetry of `service` (its configuration). */
  accepts(service: unknown, t: number): boolean {
    const renaming = this.renamings[t]!;
    return this.model.relabel!(service, {
      pid: (pid) => pid,
      host: (host) => renaming.host[host] ?? host,
      resource: (name) => renaming.path(name),
    }) !== undefined;
  }

  private info(service: unknown): ServiceInfo {
    const object = typeof service === 'object' && service !== null ? service : null;
    let info = object ? this.byObject.get(object) : undefined;
    if (info) return info;
    const encoding = this.model.encode(service);
    info = this.byEncoding.get(encoding);
    if (!info) {
      if (this.byEncoding.size >= CACHE_LIMIT) this.byEncoding.clear();
      info = { pids: this.pidsOf(service), codes: new Map() };
      this.byEncoding.set(encoding, info);
    }
    if (object) this.byObject.set(object, info);
    return info;
  }

  private pidsOf(service: unknown): number[] {
    const pids: number[] = [];
    this.model.relabel!(service, {
      pid: (pid) => {
        if (!pids.includes(pid)) pids.push(pid);
        return pid;
      },
      host: (host) => host,
      resource: (name) => name,
    });
    return pids;
  }
}

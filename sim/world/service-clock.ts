/**
 * The lock service on the virtual clock (`TimedService`, contract/service.ts). A timed service
 * acts by itself at the instants it names; the world processes every instant the clock has
 * reached before the next step (`catchUp`, called by `applyStep`), so no instant is ever late and
 * every step sees the service as it is at that time. What the service does at an instant reaches
 * the world here: its signals go to the QEMUs (SIGTERM: the process exits when it gets to it;
 * SIGKILL: it dies at once; the killpath helper's suspend: libvirtd pauses the domain), a
 * watchdog reset takes its host down. Untimed services never get
 * here.
 */
import type { TimedEffects, TimedEvent } from '../../contract/service.ts';
import type { SimContext } from './context.ts';
import type { Draft } from './draft.ts';
import { callDomain, procDies } from './actors.ts';
import { plainEvent } from './events.ts';
import { hostDiesAndReboots } from './host-death.ts';

/** The management call the killpath helper makes (on_lockfailure pause). */
const SUSPEND = plainEvent('domain.pause');

/** A guard against a service whose instants do not move on (a model bug, reported as such). */
const MAX_INSTANTS_PER_STEP = 10_000;

function applyEffects(ctx: SimContext, d: Draft, effects: TimedEffects<unknown>): void {
  d.service = effects.state;
  for (const note of effects.notes) d.note(note);
  for (const { pid, signal } of effects.signals) {
    const proc = d.procByPid(pid);
    if (!proc) continue;
    if (signal === 'SIGKILL') procDies(ctx, d, pid, 'kill');
    else if (signal === 'suspend') {
      // libvirt_sanlock_helper: virDomainSuspend through libvirtd, when libvirtd is there.
      if (d.hosts[proc.host]!.libvirtd) callDomain(ctx, d, proc.vm, proc.host, SUSPEND);
    } else if (!proc.terminating) d.setProc({ ...proc, terminating: true });
  }
  for (const host of effects.resets) {
    if (host < d.hostCount) hostDiesAndReboots(ctx, d, host, 'done');
  }
}

/**
 * Processes every instant of the service up to the draft's clock, in order; true when one was
 * due. The clock itself does not move: the instants passed already.
 */
export function catchUp(ctx: SimContext, d: Draft): boolean {
  const timed = ctx.model.timed;
  if (!timed) return false;
  let any = false;
  for (let n = 0; ; n++) {
    const next = timed.next(d.service);
    if (next === null || next > d.time) return any;
    if (n >= MAX_INSTANTS_PER_STEP) {
      throw new Error(`invariant: driver '${ctx.model.name}' keeps naming instant ${next} ` +
        `(its advance does not move on)`);
    }
    applyEffects(ctx, d, timed.advance(d.service, next));
    any = true;
  }
}

/** The next instant the service acts at, or null (and null for an untimed service). */
export function nextInstant(ctx: SimContext, service: unknown): number | null {
  return ctx.model.timed?.next(service) ?? null;
}

/**
 * An environment event the service places in time, at the draft's clock; false when the service
 * has no such part (the fault cannot strike it).
 */
export function serviceEvent(ctx: SimContext, d: Draft, event: TimedEvent): boolean {
  const next = ctx.model.timed?.event(d.service, d.time, event) ?? null;
  if (next === null) return false;
  d.service = next;
  return true;
}

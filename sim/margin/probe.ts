/**
 * One probe of the margin search (`search.ts`): a two-host world on the lease model where web
 * on h0 holds disk0, h0's sanlock daemon goes silent in a given way at a given phase of its
 * renewal period, and h1 then tries to take disk0 at every instant the lease service acts —
 * each attempt on a branch of the world (worlds are immutable), so the main line keeps going.
 * The probe is unsafe when some attempt is granted disk0 while web still runs on it (S4), or a
 * second writer writes it (S3): exclusion broken, found by the simulator's own steps and
 * checkers, not by a formula. A SIGTERMed QEMU is never made to exit in the probe: it runs
 * until SIGKILL or its host's reset, the worst case.
 */
import type { DriverConfig } from '../../contract/driver.ts';
import type { LockServiceModel } from '../../contract/service.ts';
import { Session } from '../run/session.ts';
import { parseScenario } from '../scenario/parse.ts';
import { readStep } from '../steps/index.ts';
import type { Step } from '../steps.ts';
import { isRunning } from '../world/actors.ts';
import { createContext, type SimContext } from '../world/context.ts';
import { createWorld } from '../world/setup.ts';

/** How h0's daemon goes silent, or how h1's clock misleads it. */
export type Disturbance =
  /** h0's daemon is stopped (SIGSTOP) for `ms`. */
  | { readonly kind: 'pause'; readonly ms: number }
  /** h0's daemon is stopped for good; h1's clock jumps forward by `ms` one second later. */
  | { readonly kind: 'jump'; readonly ms: number }
  /** h0's daemon is stopped for good; h1's clock runs at `rate` (1 = exact). */
  | { readonly kind: 'drift'; readonly rate: number };

const WORLD = ['hosts 2', 'disks 1', 'vm web disk0:exclusive', 'vm copy disk0:exclusive', 'expect safe',
  'start web@h0'];
/** The VMs' definitions, read once (the scenario reader spells the disks' paths). */
const VMS = parseScenario(WORLD.join('\n'), 'margin-probe').vms;
const ok = { type: 'ok' } as const;
const step = (fields: Record<string, unknown>): Step => readStep(fields);
const start = (vm: number, host: number) => [
  step({ kind: 'call', vm, host, call: 'start' }),
  step({ kind: 'complete', vm, host, invoke: 'registerOwner', outcome: ok }),
  step({ kind: 'complete', vm, host, invoke: 'acquireLocks', outcome: ok }),
];
/** Enough instants to pass host_dead and the reset on any timing (each probe is bounded). */
const MAX_INSTANTS = 400;

function contextOf(model: LockServiceModel<unknown>, config: DriverConfig): { ctx: SimContext;
  session: Session } {
  const ctx = createContext(model, { hosts: 2, vms: 2, disks: 1 }, config);
  return { ctx, session: new Session(ctx, createWorld(ctx, VMS), { invariants: ['S3', 'S4'] }) };
}

/**
 * Whether exclusion breaks when h0 goes silent `phaseMs` after a renewal (0 ≤ phase <
 * id_renewal) under `disturbance`. `config` is the lease driver's, `model` the lease model.
 */
export function probeUnsafe(model: LockServiceModel<unknown>, config: DriverConfig,
  disturbance: Disturbance, phaseMs: number): boolean {
  const rates = disturbance.kind === 'drift' ? { clock_rates: `1:${disturbance.rate}` } : {};
  const { ctx, session } = contextOf(model, { ...config, ...rates });
  for (const s of start(0, 0)) if (!session.apply(s)) throw new Error('margin probe: web does not start');
  // The world's clock is at 3 ms; renewals fall on multiples of id_renewal on h0's clock.
  const at = Math.max(0, phaseMs - session.world.time);
  if (at > 0) session.apply(step({ kind: 'time', ms: at }));
  const forGood = 1_000_000_000;
  session.apply(step({ kind: 'fault', fault: 'process-pause', host: 0,
    ms: disturbance.kind === 'pause' ? disturbance.ms : forGood }));
  if (disturbance.kind === 'jump') {
    session.apply(step({ kind: 'time', ms: 1000 }));
    if (disturbance.ms > 0) session.apply(step({ kind: 'fault', fault: 'clock-jump', host: 1, ms: disturbance.ms }));
  }
  for (let n = 0; n < MAX_INSTANTS; n++) {
    if (attempt(ctx, session)) return true;
    // Nothing runs on h0 any more: nothing left to break.
    if (!session.world.procs.some((proc) => proc.host === 0 && isRunning(proc))) return false;
    if (!session.apply(step({ kind: 'time' }))) return false;
  }
  return false;
}

/** h1 tries to start copy on disk0 now, on a branch of the world: whether exclusion broke. */
function attempt(ctx: SimContext, main: Session): boolean {
  const branch = new Session(ctx, main.world, { invariants: ['S3', 'S4'] });
  for (const s of start(1, 1)) if (!branch.apply(s)) return false;
  if (branch.violation) return true;
  branch.apply(step({ kind: 'write', vm: 1, host: 1, disk: 0 }));
  return branch.violation !== null;
}

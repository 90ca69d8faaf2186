/**
 * Real mode: the simulator's steps against real processes, files and lock services.
 *
 * The pure world stays in charge — it chooses the steps (from a seed, or from a trace being
 * replayed), checks the invariants on what the model allows, and writes the normal trace. After
 * each step the backend makes it happen for real (`mirror.ts` says what that means), and the run
 * compares: every real call's answer against the model's, the kernel's locks against the model's
 * grants after every step, and at the end the records the VM stand-ins wrote against the writes
 * the run commanded. A difference is a finding, reported with the step it appeared at.
 */
import { DriverCallError } from '../drivers/registry/errors.ts';
import type { Violation } from '../sim/checkers/index.ts';
import type { FaultName } from '../sim/faults/index.ts';
import { Prng } from '../sim/prng.ts';
import { traceHeader } from '../sim/run/random.ts';
import { Session, type SessionObserver } from '../sim/run/session.ts';
import { chooseStep } from '../sim/scheduler.ts';
import { describeStep, mirrorStep } from '../sim/steps/index.ts';
import type { Step } from '../sim/steps.ts';
import { drawSwarm, type Swarm } from '../sim/swarm.ts';
import type { TraceHeader } from '../sim/trace/format.ts';
import type { TraceSink } from '../sim/trace/writer.ts';
import { createContext } from '../sim/world/context.ts';
import { enabledSteps } from '../sim/steps/index.ts';
import { createWorld } from '../sim/world/setup.ts';
import { drawDefinitions } from '../sim/world/layouts.ts';
import { DEFAULT_SHAPE, type WorldShape } from '../sim/world/shape.ts';
import type { VmDefinition } from '../sim/world/types.ts';
import { callKind } from '../sim/world/lock-calls.ts';
import type { LockCallKind, RealBackend, RealWrite } from './backend.ts';
import { compareFailure, compareLocks, compareRecords, compareReply, type Finding } from './compare.ts';
import type { RealAction } from '../sim/real-actions.ts';

export class RealModeError extends Error {
  override readonly name = 'RealModeError';
}

/**
 * A fault class a backend cannot make real, asked for anyway (real mode refuses it up front
 * when the backend leaves it out of `faults`; a backend's method for it throws this): `why`
 * says what the driver lacks.
 */
export function meaninglessFault(driver: string, fault: FaultName, why: string): RealModeError {
  return new RealModeError(`${fault} has no meaning for the ${driver} driver: ${why}`);
}

/** Where the steps come from: a seed (random mode) or a recorded trace (replay). */
export type StepSource =
  | { readonly kind: 'random'; readonly seed: number; readonly steps: number;
      readonly faults: readonly FaultName[]; readonly shape?: WorldShape }
  | { readonly kind: 'trace'; readonly header: TraceHeader; readonly steps: readonly Step[];
      /**
       * The trace has its end record: its last steps were the heal phase, so liveness is
       * checked after them, as `lockchart replay` does.
       */
      readonly finished?: boolean };

export interface RealRunOptions {
  readonly backend: RealBackend;
  readonly source: StepSource;
  readonly sink?: TraceSink;
  /** Stop at the first finding (default) or collect them all. */
  readonly keepGoing?: boolean;
  /** Sees every step and every statechart transition (live inspection, `--inspect`). */
  readonly observer?: SessionObserver;
  /** Stops the run after the current step (Ctrl-C); the trace so far stays valid. */
  readonly signal?: AbortSignal;
}

export interface RealRunResult {
  readonly steps: number;
  readonly findings: readonly Finding[];
  readonly violation: Violation | null;
  readonly liveness: Violation | null;
  readonly definitions: readonly VmDefinition[];
}

function checkFaults(backend: RealBackend, faults: readonly FaultName[]): void {
  const missing = faults.filter((fault) => !backend.faults.has(fault));
  if (missing.length > 0) {
    throw new RealModeError(`real mode cannot inject ${missing.join(', ')} with driver ` +
      `'${backend.name}' (it can: ${[...backend.faults].join(', ') || 'none'})`);
  }
}

/** Real runs are short: a fault class that is switched on strikes at least one step in 20. */
export const REAL_FAULT_RATE_FLOOR = 0.05;

function realSwarm(swarm: Swarm): Swarm {
  const faultRates = Object.fromEntries(Object.entries(swarm.faultRates)
    .map(([fault, rate]) => [fault, Math.max(rate, REAL_FAULT_RATE_FLOOR)]));
  return { ...swarm, faultRates };
}

/** How much rarer real mode makes VM starts and destroys (see `chooseRealStep`). */
export const CHURN_DAMPING = 12;

/**
 * The simulator's scheduler, with VM starts and destroys made `CHURN_DAMPING` times rarer. A
 * start costs a real process or two (~70 ms of CPU each here) and a destroy a kill and a reap,
 * where any other step costs well under a millisecond; and most random starts are refused at
 * once (their disk is taken) and torn down again. Undamped, real mode spends nearly all its time
 * starting and killing processes instead of exercising locks. Seeded, so a real run is as
 * reproducible as any other.
 */
export function chooseRealStep(prng: Prng, steps: readonly Step[], swarm: Swarm): Step {
  const step = chooseStep(prng, steps, swarm);
  if (!churns(step) || prng.chance(1 / CHURN_DAMPING)) return step;
  const others = steps.filter((candidate) => !churns(candidate));
  return others.length > 0 ? chooseStep(prng, others, swarm) : step;
}

const churns = (step: Step) =>
  (step.kind === 'call' && (step.call === 'start' || step.call === 'destroy')) ||
  (step.kind === 'migrate' && step.phase === 'prepare');

export async function runReal(options: RealRunOptions): Promise<RealRunResult> {
  const { backend, source } = options;
  const shape = source.kind === 'trace' ? source.header.shape : source.shape ?? DEFAULT_SHAPE;
  const ctx = createContext(backend.model, shape, backend.config, { failure: backend.failure });
  const prng = source.kind === 'random' ? new Prng(source.seed) : null;
  const definitions = source.kind === 'trace' ? source.header.definitions
    : drawDefinitions(shape, ctx.storage, prng!);
  const faults = source.kind === 'trace' ? source.header.faults : source.faults;
  const swarm = prng ? realSwarm(drawSwarm(prng, faults)) : null;
  checkFaults(backend, faults);
  const session = new Session(ctx, createWorld(ctx, definitions), {
    ...(options.sink ? { sink: options.sink } : {}),
    ...(options.observer ? { observer: options.observer } : {}),
  });
  // The trace names the reference driver, so `lockchart replay` (pure) and `replay --real`
  // both take a real-mode trace, a finding's included.
  session.start(traceHeader({ name: backend.reference ?? backend.model.name,
    model: backend.model, config: backend.config }, {
    seed: source.kind === 'random' ? source.seed : source.header.seed, faults, shape, definitions,
    swarm, origin: 'real' }));
  const run = new RealRun(session, backend, options.keepGoing ?? false);
  try {
    // Inside the try: a setup that fails halfway is torn down too (teardown takes partial ones).
    await backend.setup(shape);
    if (source.kind === 'trace') {
      let completed = true;
      for (const step of source.steps) {
        if (!(await run.step(step))) {
          completed = false;
          break;
        }
      }
      if (completed && source.finished && !session.violation) session.checkLiveness();
    } else {
      const enabled = new Set(faults);
      while (session.count < source.steps && !session.violation && !run.stopped &&
        !options.signal?.aborted) {
        const steps = enabledSteps(ctx, session.world, { faults: enabled });
        if (steps.length === 0) break;
        await run.step(chooseRealStep(prng!, steps, swarm!));
      }
      if (!options.signal?.aborted) await run.heal(prng!);
    }
    if (!options.signal?.aborted) await run.finish();
  } finally {
    await backend.teardown();
  }
  // A run stopped midway has no verdict to record: its trace stays the prefix it is.
  if (!options.signal?.aborted) session.end({ findings: run.findings });
  options.sink?.close();
  return { steps: session.count, findings: run.findings, violation: session.violation,
    liveness: session.liveness, definitions };
}

/** A call whose reply the model lost in a daemon re-exec is made across a real one. */
function lostReply(action: { readonly lost?: true }): { acrossReexec?: true } {
  return action.lost ? { acrossReexec: true } : {};
}

/** One real run: applies steps to the session, mirrors them, compares. */
class RealRun {
  readonly findings: Finding[] = [];
  private readonly writes: RealWrite[] = [];

  constructor(private readonly session: Session, private readonly backend: RealBackend,
    private readonly keepGoing: boolean) {}

  get stopped(): boolean {
    return !this.keepGoing && this.findings.length > 0;
  }

  /** Applies, mirrors and compares one step; false once the run should stop. */
  async step(step: Step): Promise<boolean> {
    const before = this.session.world;
    if (!this.session.apply(step)) {
      throw new RealModeError(`step ${this.session.count} is not enabled in the model: ` +
        JSON.stringify(step));
    }
    const index = this.session.count - 1;
    const found = this.findings.length;
    try {
      for (const action of mirrorStep(this.session.ctx, before, this.session.world, step)) {
        await this.perform(action, index);
      }
    } catch (error) {
      // A user's driver that broke its contract: say where, in one line.
      if (!(error instanceof DriverCallError)) throw error;
      throw new RealModeError(`${error.message} at step ${index} (` +
        `${describeStep(step, this.session.world.vms.map((vm) => vm.definition.name))})`);
    }
    const observed = await this.backend.observe();
    const locks = observed && compareLocks(this.session.ctx, this.session.world, observed);
    if (locks) this.findings.push({ step: index, kind: 'locks', message: locks });
    if (this.findings.length > found) {
      const what = describeStep(step, this.session.world.vms.map((vm) => vm.definition.name));
      for (let i = found; i < this.findings.length; i++) this.findings[i] = { ...this.findings[i]!, what };
    }
    return !this.stopped && !this.session.violation;
  }

  /** The heal phase, mirrored like any other steps. */
  async heal(prng: Prng, bound = 500): Promise<void> {
    if (this.session.violation || this.stopped) return;
    this.session.beginHeal();
    for (let taken = 0; taken < bound; taken++) {
      const steps = enabledSteps(this.session.ctx, this.session.world,
        { faults: new Set(), heal: true });
      if (steps.length === 0 || !(await this.step(prng.pick(steps)))) break;
    }
    if (!this.session.violation) this.session.checkLiveness();
  }

  async finish(): Promise<void> {
    if (this.stopped) return;
    const records = compareRecords(this.writes, await this.backend.records());
    if (records) this.findings.push({ step: this.session.count - 1, kind: 'records', message: records });
  }

  private async perform(action: RealAction, index: number): Promise<void> {
    const backend = this.backend;
    const find = (kind: Finding['kind'], message: string | null) => {
      if (message) this.findings.push({ step: index, kind, message });
    };
    switch (action.kind) {
      case 'launch':
        return backend.launch(action.pid, action.host, action.disks);
      case 'register':
        return find('outcome', compareReply(`registration of pid ${action.pid}`, action.expect,
          await backend.register(action.pid, action.disks, lostReply(action)), lostReply(action)));
      case 'lockCall': {
        const { call } = action;
        const kind = callKind(call) as LockCallKind;
        const what = `${call.src} for pid ${call.pid}`;
        const locksBefore = kind === 'inquire' ? [] : await backend.observe();
        const real = await backend.lockCall(kind, call.host, call.pid, action.disks,
          call.lockState, lostReply(action));
        find('outcome', compareReply(what, action.expect, real, lostReply(action)));
        if (real.ok || real.code === 'OPERATION_TIMEOUT' || kind === 'inquire') return;
        const locksAfter = await backend.observe();
        // A backend that cannot see the locks judges them by the answers of later calls.
        if (locksBefore === null || locksAfter === null) return;
        return find('contract', compareFailure(what, kind, action.disks, locksBefore,
          locksAfter, backend.failure, real.code));
      }
      case 'cont':
        return backend.cont(action.pid);
      case 'stop':
        return backend.stop(action.pid);
      case 'write':
        this.writes.push({ disk: action.disk, pid: action.pid });
        return backend.write(action.pid, action.disk);
      case 'end':
        return backend.end(action.pid, action.how);
      case 'dropConnection': {
        const { killed } = await backend.dropConnection(action.pid);
        return find('process', killed === action.expectKilled ? null
          : `after its connection dropped pid ${action.pid} was ${killed ? '' : 'not '}killed, ` +
            `the model says it is ${action.expectKilled ? '' : 'not '}killed`);
      }
      case 'rogue':
        return find('outcome', compareReply(`pid ${action.pid}'s own ${action.op}`, action.expect,
          await backend.rogueCall(action.pid, action.op, action.disk)));
      case 'daemonCrash':
        return backend.daemonCrash(action.host);
      case 'daemonReexec':
        return backend.daemonReexec(action.host);
      case 'hostCrash':
        return backend.hostCrash(action.host);
      case 'libvirtdRestart':
        return backend.libvirtdRestart?.(action.host);
      case 'imageProbe':
        return backend.probeImage?.(action.host, action.disk);
    }
  }
}

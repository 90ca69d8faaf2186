/**
 * The registry of step kinds, and what every layer asks of a step through it and through the
 * fault registry (`sim/faults/index.ts`): which steps are enabled, applying one, reading one from
 * a trace, describing one, its choice vectors, its real side. Nothing else switches on a step's
 * kind or fault.
 */
import { FAULT_LIST, faultClassOf, FAULT_NAMES, isFaultName, type FaultName } from '../faults/index.ts';
import type { FaultClass, FaultSteps } from '../faults/class.ts';
import type { Prng } from '../prng.ts';
import { realActions, type RealAction, type RealSide } from '../real-actions.ts';
import type { Step } from '../steps.ts';
import type { SimContext } from '../world/context.ts';
import type { Draft } from '../world/draft.ts';
import type { World } from '../world/types.ts';
import { attach } from './attach.ts';
import { call } from './call.ts';
import { complete } from './complete.ts';
import { detach } from './detach.ts';
import { exit } from './exit.ts';
import { guestPause } from './guest-pause.ts';
import { migrate } from './migrate.ts';
import type { Fields, Phase, ScenarioSyntax, StepModule } from './module.ts';
import { StepError } from './read.ts';
import { rogueCall } from './rogue-call.ts';
import { time } from './time.ts';
import { timer } from './timer.ts';
import { write } from './write.ts';

type StepKind = Exclude<Step['kind'], 'fault'>;

/** Every step kind but `fault`, in the order the enumerator lists them: the environment first. */
export const STEP_MODULES: { readonly [K in StepKind]: StepModule<Extract<Step, { kind: K }>> } = {
  complete,
  timer,
  time,
  exit,
  write,
  call,
  attach,
  detach,
  migrate,
  'guest-pause': guestPause,
  'rogue-call': rogueCall,
};

const MODULE_LIST = Object.values(STEP_MODULES) as readonly StepModule[];

export interface EnableOptions {
  readonly faults: ReadonlySet<FaultName>;
  /** No workload and no faults: only what lets the world settle (heal phase). */
  readonly heal?: boolean;
  /** No step that counts as workload; migrations under way go on. The explorer's workload
   * budget is spent. */
  readonly noWorkload?: boolean;
}

/**
 * Every step enabled in a world: environment (lock calls completing, timers, exits, writes),
 * workload (management calls, hotplug, migrations, guests) and, when switched on, the faults.
 * The random scheduler draws from this list; the explorer takes every entry. Each returned step
 * applies (`applyStep` is non-null) — a test holds the two to that.
 */
export function enabledSteps(ctx: SimContext, world: World, options: EnableOptions): Step[] {
  const phase: Phase = options.heal ? 'heal' : options.noWorkload ? 'noWorkload' : 'all';
  const steps: Step[] = [];
  for (const module of MODULE_LIST) module.enabled(ctx, world, phase, steps);
  if (phase === 'heal' || options.faults.size === 0) return steps;
  for (const fault of switchedOn(options.faults)) fault.enabled(ctx, world, steps);
  return steps;
}

/** The set asked with last, its size then and its classes: a run asks with one set all along. */
let lastFaults: ReadonlySet<FaultName> | null = null;
let lastSize = 0;
let lastClasses: readonly FaultClass[] = [];

/** The classes switched on in `faults`, in registry order (callers do not edit a set they
 * enumerate with; one that grew or shrank is looked at afresh). */
function switchedOn(faults: ReadonlySet<FaultName>): readonly FaultClass[] {
  if (faults !== lastFaults || faults.size !== lastSize) {
    lastClasses = FAULT_LIST.filter((fault) => faults.has(fault.name as FaultName));
    lastFaults = faults;
    lastSize = faults.size;
  }
  return lastClasses;
}

/** Whether a step counts against the workload budget (what users ask of libvirt and what guests
 * do; of a migration only its first phase). */
export function isWorkload(step: Step): boolean {
  if (step.kind === 'migrate') return step.phase === 'begin';
  return step.kind !== 'fault' && STEP_MODULES[step.kind].role === 'workload';
}

function partOf(step: Step): StepModule | FaultSteps<Step> {
  if (step.kind !== 'fault') return STEP_MODULES[step.kind] as StepModule;
  const steps = faultClassOf(step.fault).steps;
  if (!steps) throw new StepError(`'${step.fault}' is an outcome of a complete step, not a fault step`);
  return steps;
}

/** Applies a step's own change to the draft; false when it is not enabled. */
export function dispatchStep(ctx: SimContext, d: Draft, step: Step): boolean {
  if (step.kind !== 'fault') return (STEP_MODULES[step.kind] as StepModule).apply(ctx, d, step);
  const steps = faultClassOf(step.fault).steps;
  if (!steps?.apply(ctx, d, step)) return false;
  d.faults += 1;
  return true;
}

/** One short line for timelines and logs; `names` gives VMs their names (default vmN). */
export function describeStep(step: Step, names: readonly string[] = []): string {
  return partOf(step).describe(step, (index) => names[index] ?? `vm${index}`);
}

/** Checks a parsed value is a well-formed step and returns it typed (throws `StepError`). */
export function readStep(value: unknown): Step {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StepError('a step must be a JSON object');
  }
  const fields = value as Fields;
  const kind = fields['kind'];
  if (kind === 'fault') {
    const fault = fields['fault'];
    if (typeof fault !== 'string' || !isFaultName(fault)) {
      throw new StepError(`unknown fault ${JSON.stringify(fault)} (known: ${FAULT_NAMES.join(', ')})`);
    }
    return partOf({ kind: 'fault', fault } as Step).read(fields);
  }
  if (typeof kind !== 'string' || !Object.hasOwn(STEP_MODULES, kind)) {
    throw new StepError(`unknown step kind ${JSON.stringify(kind)}`);
  }
  return STEP_MODULES[kind as StepKind].read(fields);
}

/** The scenario statements of the step kinds, by keyword. */
export function stepStatement(keyword: string): { kind: StepKind; syntax: ScenarioSyntax } | null {
  for (const [kind, module] of Object.entries(STEP_MODULES) as [StepKind, StepModule][]) {
    if (module.scenario.keywords.includes(keyword)) return { kind, syntax: module.scenario };
  }
  return null;
}

/** The scenario syntax of a fault's statement (`fault NAME …`), or null. */
export function faultStatement(name: string): Omit<ScenarioSyntax, 'keywords'> | null {
  return isFaultName(name) ? faultClassOf(name).steps?.scenario ?? null : null;
}

/** Every usage line of the scenario format, for its documentation. */
export function statementUsages(): string[] {
  return [...MODULE_LIST.map((module) => module.scenario.usage),
    ...FAULT_LIST.flatMap((fault) => (fault.steps ? [fault.steps.scenario.usage] : []))];
}

/** Every variant of a step's choice vectors (the explorer), or the step itself. */
export function choicesOf(step: Step): readonly Step[] {
  if (step.kind !== 'fault') return [step];
  return faultClassOf(step.fault).steps?.choices?.all(step) ?? [step];
}

/** The step with its choice vectors drawn (random mode). */
export function drawChoices(prng: Prng, step: Step): Step {
  if (step.kind !== 'fault') return step;
  return faultClassOf(step.fault).steps?.choices?.draw(prng, step) ?? step;
}

/** Whether a step has choice vectors to enumerate. */
export function hasChoices(step: Step): boolean {
  return step.kind === 'fault' && faultClassOf(step.fault).steps?.choices !== undefined;
}

/** What real mode does for a step (`sim/real-actions.ts`). */
export function mirrorStep(ctx: SimContext, before: World, after: World, step: Step): RealAction[] {
  const side = partOf(step) as RealSide<Step>;
  const own = side.real?.(ctx, before, after, step) ?? [];
  return realActions(before, after, own, side.ends === undefined ? 'kill' : side.ends);
}

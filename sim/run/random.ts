/**
 * Random mode: one seed, one run. The seed draws the VM definitions and the swarm parameters,
 * then every scheduling choice; the run is a safety phase (workload + the enabled faults) until
 * the step budget or the first violation, then a heal phase and the liveness check.
 */
import type { InvariantId, Violation } from '../checkers/index.ts';
import type { FaultName } from '../faults/index.ts';
import { MODEL_VERSION } from '../model-version.ts';
import { Prng } from '../prng.ts';
import { chooseStep } from '../scheduler.ts';
import { drawSwarm, type Swarm } from '../swarm.ts';
import type { TraceHeader } from '../trace/format.ts';
import type { TraceSink } from '../trace/writer.ts';
import type { SimDriver } from '../resolve-driver.ts';
import { createContext } from '../world/context.ts';
import { DEFAULT_DESIGN, type Design } from '../world/design.ts';
import { enabledSteps } from '../steps/index.ts';
import { createWorld } from '../world/setup.ts';
import { drawDefinitions } from '../world/layouts.ts';
import { DEFAULT_SHAPE, type WorldShape } from '../world/shape.ts';
import type { VmDefinition, World } from '../world/types.ts';
import { Session, type SessionObserver } from './session.ts';

export interface RandomRunOptions {
  readonly driver: SimDriver;
  readonly seed: number;
  /** Steps of the safety phase. */
  readonly steps: number;
  readonly faults: readonly FaultName[];
  readonly shape?: WorldShape;
  /** The lock-manager design (default libvirt). */
  readonly design?: Design;
  readonly invariants?: readonly InvariantId[];
  readonly sink?: TraceSink;
  /** Skip the heal phase and the liveness check. */
  readonly noHeal?: boolean;
  /** Watches every step (live inspection); the run is the same with or without it. */
  readonly observer?: SessionObserver;
}

export interface RandomRunResult {
  readonly seed: number;
  readonly swarm: Swarm;
  readonly definitions: readonly VmDefinition[];
  /** Steps applied, heal phase included. */
  readonly steps: number;
  readonly violation: Violation | null;
  readonly liveness: Violation | null;
  readonly world: World;
  readonly faultsInjected: number;
}

export function traceHeader(
  driver: SimDriver,
  fields: Pick<TraceHeader, 'seed' | 'faults' | 'shape' | 'definitions' | 'swarm' | 'origin' |
    'invariants'>,
  design: Design = DEFAULT_DESIGN,
): TraceHeader {
  return {
    type: 'header',
    format: 1,
    model: MODEL_VERSION,
    driver: driver.name,
    config: driver.config,
    // Only another design is recorded: libvirt-design traces stay byte for byte what they were.
    ...(design !== 'libvirt' ? { design } : {}),
    ...fields,
  };
}

export function runRandom(options: RandomRunOptions): RandomRunResult {
  const shape = options.shape ?? DEFAULT_SHAPE;
  // A random run never comes back to a service state: no memo of service calls.
  const ctx = createContext(options.driver.model, shape, options.driver.config,
    { design: options.design ?? DEFAULT_DESIGN, revisits: false });
  const prng = new Prng(options.seed);
  const definitions = drawDefinitions(shape, ctx.storage, prng);
  const swarm = drawSwarm(prng, options.faults);
  const session = new Session(ctx, createWorld(ctx, definitions), {
    ...(options.invariants ? { invariants: options.invariants } : {}),
    ...(options.sink ? { sink: options.sink } : {}),
    ...(options.observer ? { observer: options.observer } : {}),
  });
  session.start(traceHeader(options.driver, {
    seed: options.seed, faults: options.faults, shape, definitions, swarm, origin: 'random',
    ...(options.invariants ? { invariants: options.invariants } : {}),
  }, ctx.design));
  const faults = new Set(options.faults);
  while (session.count < options.steps && !session.violation) {
    const steps = enabledSteps(ctx, session.world, { faults });
    if (steps.length === 0) break;
    const step = chooseStep(prng, steps, swarm);
    if (!session.apply(step)) {
      throw new Error(`invariant: enabled step was refused: ${JSON.stringify(step)}`);
    }
  }
  if (!options.noHeal && !session.violation) {
    session.heal(prng);
    if (!session.violation) session.checkLiveness();
  }
  session.end();
  options.sink?.close();
  return {
    seed: options.seed,
    swarm,
    definitions,
    steps: session.count,
    violation: session.violation,
    liveness: session.liveness,
    world: session.world,
    faultsInjected: session.world.faults,
  };
}

/**
 * The model version a trace is recorded against: the simulator's step semantics (bumped by hand
 * when the world's mechanics change) and a fingerprint of the statechart definitions the world
 * steps. A trace from another version could replay differently, so replay refuses it.
 */
import { domainMachine } from '../machines/domain.machine.ts';
import { processMachine } from '../machines/process.machine.ts';
import { fnv1a } from '../machines/interned.ts';

/** Bump when `sim/world` changes what a step does. */
export const SIM_SEMANTICS = 1;

export const MODEL_VERSION = `${SIM_SEMANTICS}-${fnv1a(
  JSON.stringify(domainMachine.toJSON()) + JSON.stringify(processMachine.toJSON()),
).toString(16).padStart(8, '0')}`;

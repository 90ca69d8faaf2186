/**
 * The trace format: JSON lines, written as the run goes. A header says everything needed to
 * rebuild the world (driver, configuration, shape, VM definitions, seed and swarm, model
 * version); then one line per step with the world's digest after it; then the verdict.
 * A crash leaves a replayable prefix: every record is one complete line, written in one call.
 */
import type { DriverConfig } from '../../contract/driver.ts';
import type { FaultName } from '../faults/index.ts';
import type { InvariantId, Violation } from '../checkers/checker.ts';
import type { Step } from '../steps.ts';
import type { Swarm } from '../swarm.ts';
import type { Design } from '../world/design.ts';
import type { WorldShape } from '../world/shape.ts';
import type { VmDefinition } from '../world/types.ts';

export const TRACE_FORMAT = 1;

export interface TraceHeader {
  readonly type: 'header';
  readonly format: number;
  /** The model version the trace was recorded with; replay refuses another one. */
  readonly model: string;
  readonly driver: string;
  readonly config: DriverConfig;
  readonly seed: number | null;
  readonly faults: readonly FaultName[];
  readonly shape: WorldShape;
  readonly definitions: readonly VmDefinition[];
  readonly swarm: Swarm | null;
  /** How the trace came to be: a random run, a shrink, a scenario, an exploration. */
  readonly origin: 'random' | 'shrink' | 'scenario' | 'explore' | 'real';
  /** The lock-manager design the world followed; absent for the libvirt design. */
  readonly design?: Exclude<Design, 'libvirt'>;
  /** The invariants the run checked, when not all of them (replay and shrink use the same). */
  readonly invariants?: readonly InvariantId[];
}

export interface TraceStep {
  readonly type: 'step';
  readonly i: number;
  readonly step: Step;
  /** Digest of the world after the step. */
  readonly h: string;
  readonly notes?: readonly string[];
  /** Set on the first step of the heal phase (faults and workload stop). */
  readonly heal?: true;
}

export interface TraceEnd {
  readonly type: 'end';
  readonly steps: number;
  readonly verdict: 'safe' | 'violated';
  readonly violation: Violation | null;
  readonly liveness: Violation | null;
  /** Real mode: where the real driver did not do what the model allowed. */
  readonly findings?: readonly { readonly step: number; readonly kind: string;
    readonly message: string }[];
}

export type TraceRecord = TraceHeader | TraceStep | TraceEnd;

export interface Trace {
  readonly header: TraceHeader;
  readonly steps: readonly TraceStep[];
  /** Null when the run did not finish (a crash left a prefix). */
  readonly end: TraceEnd | null;
}

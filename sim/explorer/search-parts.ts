/**
 * What every breadth-first search of the world is made of, whether one explorer runs it alone
 * (`explore.ts`) or shards share it (`parallel/shard.ts`): the context, the initial world, its
 * canonical form, the checkers split by kind, the recorders and the service interner. Built in
 * one place so that a shard's search cannot drift from the sequential one it must equal.
 */
import type { Checker, InvariantId } from '../checkers/index.ts';
import type { FaultName } from '../faults/index.ts';
import type { SimDriver } from '../resolve-driver.ts';
import { selectCheckers } from '../run/session.ts';
import type { Design } from '../world/design.ts';
import { createContext, type SimContext } from '../world/context.ts';
import { createWorld } from '../world/setup.ts';
import { plainDefinitions, type WorldShape } from '../world/shape.ts';
import type { VmDefinition, World } from '../world/types.ts';
import { BreakdownRecorder } from './breakdown.ts';
import { Canonicaliser } from './canonical.ts';
import { CoverageRecorder } from './coverage.ts';
import { ServiceInterner } from './service-interner.ts';
import type { PathBudgets } from './successors.ts';

/** The bounds and options a search is set up from. */
export interface SearchBounds {
  readonly shape: WorldShape;
  readonly design?: Design;
  readonly definitions?: readonly VmDefinition[];
  readonly symmetry?: boolean;
  readonly faults: readonly FaultName[];
  readonly faultBudget: number;
  readonly workload?: number;
  readonly invariants?: readonly InvariantId[];
  readonly coverage?: boolean;
}

export interface SearchParts {
  readonly ctx: SimContext;
  readonly definitions: readonly VmDefinition[];
  readonly root: World;
  readonly canonical: Canonicaliser;
  readonly faults: ReadonlySet<FaultName>;
  readonly budgets: PathBudgets;
  readonly safety: Checker[];
  readonly liveness: Checker[];
  readonly coverage: CoverageRecorder | null;
  readonly breakdown: BreakdownRecorder;
  readonly services: ServiceInterner;
}

function searchParts(driver: SimDriver, bounds: SearchBounds): SearchParts {
  const ctx = createContext(driver.model, bounds.shape, driver.config,
    { design: bounds.design ?? 'libvirt' });
  const definitions = bounds.definitions ?? plainDefinitions(bounds.shape, ctx.storage);
  const root = createWorld(ctx, definitions);
  const checkers = selectCheckers(ctx, bounds.invariants);
  return {
    ctx,
    definitions,
    root,
    // The RFC design's supervisor contexts name VMs and disks: it is explored without symmetry.
    canonical: new Canonicaliser(ctx, root,
      { symmetry: ctx.design === 'libvirt' && (bounds.symmetry ?? true) }),
    faults: new Set(bounds.faults),
    budgets: { faultBudget: bounds.faultBudget, workload: bounds.workload },
    safety: checkers.filter((checker) => checker.check),
    liveness: checkers.filter((checker) => checker.checkSettled),
    coverage: bounds.coverage === false ? null : new CoverageRecorder(bounds.faults, root),
    breakdown: new BreakdownRecorder(ctx),
    services: new ServiceInterner(ctx.model),
  };
}

/**
 * The base of both searches: the parts, as fields. The visited set and the tree differ (a shard
 * holds its part of the bits and handed-over paths), so each search makes its own.
 */
export abstract class Search implements SearchParts {
  readonly ctx: SimContext;
  readonly definitions: readonly VmDefinition[];
  readonly root: World;
  readonly canonical: Canonicaliser;
  readonly faults: ReadonlySet<FaultName>;
  readonly budgets: PathBudgets;
  readonly safety: Checker[];
  readonly liveness: Checker[];
  readonly coverage: CoverageRecorder | null;
  readonly breakdown: BreakdownRecorder;
  readonly services: ServiceInterner;

  constructor(driver: SimDriver, bounds: SearchBounds) {
    const parts = searchParts(driver, bounds);
    this.ctx = parts.ctx;
    this.definitions = parts.definitions;
    this.root = parts.root;
    this.canonical = parts.canonical;
    this.faults = parts.faults;
    this.budgets = parts.budgets;
    this.safety = parts.safety;
    this.liveness = parts.liveness;
    this.coverage = parts.coverage;
    this.breakdown = parts.breakdown;
    this.services = parts.services;
  }
}

/**
 * THE driver resolver: every command turns its `--driver` (or `--drivers`, `--real`) into an
 * offer (`drivers/registry/offer.ts`) here, and takes what it needs from it — a service model
 * to simulate, a `LockDriver` to check or drive for real, the model real mode compares with.
 *
 * The catalogue is the built-in drivers (`drivers/registry/builtin.ts`) and the canaries; a
 * name that is not in it and looks like a path is a module, loaded and checked by
 * `drivers/registry/load-module.ts` — but only when the user named it on the command line.
 * A name read from a file (a trace header, a scenario's `driver` line) is looked up among the
 * built-in drivers alone: data never runs code.
 */
import type { DriverConfig } from '../contract/driver.ts';
import { BUILTIN_OFFERS, DEFAULT_MODELS } from '../drivers/registry/builtin.ts';
import { DriverLoadError } from '../drivers/registry/errors.ts';
import { loadDriverModule, looksLikePath } from '../drivers/registry/load-module.ts';
import type { DriverOffer, Unjudged } from '../drivers/registry/offer.ts';
import type { LockServiceModel } from '../contract/service.ts';
import { CANARIES } from './canaries/canaries.ts';

export { DriverLoadError } from '../drivers/registry/errors.ts';
export type { DriverOffer } from '../drivers/registry/offer.ts';

/** What the simulator steps: a service model with its configuration, under the driver's name. */
export interface SimDriver {
  readonly name: string;
  readonly model: LockServiceModel<unknown>;
  readonly config: DriverConfig;
  /** What the matrix does not judge on this driver's row (`ModelOffer.unjudged`). */
  readonly unjudged?: Unjudged;
}

const CANARY_OFFERS: readonly DriverOffer[] = CANARIES.map((canary) => ({
  name: canary.name, summary: canary.bug, origin: { kind: 'builtin' }, canary: true,
  model: { model: canary.model as LockServiceModel<unknown>, config: canary.config ?? {} },
}));

const CATALOGUE: readonly DriverOffer[] = [...BUILTIN_OFFERS, ...CANARY_OFFERS];

const asSim = (offer: DriverOffer): SimDriver =>
  ({ name: offer.name, model: offer.model!.model, config: offer.model!.config,
    ...(offer.model!.unjudged ? { unjudged: offer.model!.unjudged } : {}) });

/** The built-in models the safety matrix simulates by default. */
export const BUILTIN_DRIVERS: readonly SimDriver[] = DEFAULT_MODELS.map(asSim);

/** Every built-in driver's name (models, real drivers, canaries). */
export function driverNames(): string[] {
  return CATALOGUE.map((offer) => offer.name);
}

export function builtinDriver(name: string): DriverOffer | undefined {
  return CATALOGUE.find((offer) => offer.name === name);
}

/** The built-in real drivers (those with a `LockDriver`). */
export function realDriverNames(): string[] {
  return CATALOGUE.filter((offer) => offer.driver).map((offer) => offer.name);
}

const catalogue = { builtin: builtinDriver, names: driverNames };
/** One load per module and thread: a module's code runs once, its model is guarded once. */
const loaded = new Map<string, Promise<DriverOffer>>();

/**
 * Where a driver name comes from. Only a name the user typed may load a module; a name read
 * from a file is looked up among the built-in drivers, and `what` says which file named it.
 */
export type DriverSource =
  | { readonly from: 'command-line' }
  | { readonly from: 'data'; /** e.g. "the trace t.jsonl" */ readonly what: string };

/** Resolves `--driver NAME|PATH` (or a name a file gives) to what that driver offers. */
export async function resolveDriver(spec: string,
  source: DriverSource = { from: 'command-line' }): Promise<DriverOffer> {
  const named = builtinDriver(spec);
  if (named) return named;
  if (source.from === 'data') {
    throw new DriverLoadError(`${source.what} names driver '${spec}', which is not built in; ` +
      'lockchart runs a module only when you name it on the command line: pass --driver PATH');
  }
  if (!looksLikePath(spec)) {
    throw new DriverLoadError(`unknown driver '${spec}' (built in: ${driverNames().join(', ')}; ` +
      'or give a module path)');
  }
  let offer = loaded.get(spec);
  if (!offer) {
    offer = loadDriverModule(spec, catalogue);
    loaded.set(spec, offer);
    offer.catch(() => loaded.delete(spec));
  }
  return offer;
}

/** The simulator's view of an offer; a driver without a service model cannot be simulated. */
export function simDriverOf(offer: DriverOffer): SimDriver {
  if (offer.model) return asSim(offer);
  const how = offer.origin.kind === 'module'
    ? `it exports 'createDriver' but no 'model'; run it in real mode (sim --real --driver ` +
      `${offer.origin.path}), or export its service model as 'model' too`
    : `it is a real driver; run it in real mode (sim --real --driver ${offer.name}), or ` +
      `simulate its model, '${offer.reference?.name ?? 'model'}'`;
  throw new DriverLoadError(`driver '${offer.name}' has no service model for the simulator: ${how}`);
}

/** Resolves `--driver` for the simulator (a name the user typed: modules may load). */
export async function resolveSimDriver(spec: string): Promise<SimDriver> {
  return simDriverOf(await resolveDriver(spec));
}

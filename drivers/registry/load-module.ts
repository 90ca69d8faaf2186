/**
 * Loading a driver from a module the user named on the command line (`--driver PATH`), and
 * checking what it exports before anything runs it. The module format is `docs/plugins.md`:
 *
 * - `model`: a service model (`LockServiceModel`), stepped by the simulator;
 * - `createDriver()`: a fresh `LockDriver` (libvirt's table), for the conformance suite and
 *   real mode;
 * - `config`: the configuration both get (optional);
 * - `reference`: what real mode compares the `LockDriver` with — a built-in model's name or a
 *   model (optional; the module's own `model` otherwise).
 *
 * Every problem is one `DriverLoadError` line: a file that is not there, a CommonJS module, a
 * module that throws while loading, wrong exports, an incomplete driver table ("missing
 * '<field>' field"), a model that refuses its own configuration. A model is guarded for its
 * whole life (`model-guard.ts`).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureTypeScriptLoader } from '../../system/program.ts';
import type { DriverConfig, LockDriver } from '../../contract/driver.ts';
import type { LockServiceModel } from '../../contract/service.ts';
import { pluginDriverProblem } from './check-driver.ts';
import { checkModel } from './check-model.ts';
import { configProblem } from './config-check.ts';
import { guardDriver } from './driver-guard.ts';
import { DriverLoadError, ModelCallError } from './errors.ts';
import { guardModel } from './model-guard.ts';
import type { DriverOffer, ModelOffer } from './offer.ts';

/** Whether `--driver` names a module rather than a built-in driver. */
export function looksLikePath(spec: string): boolean {
  return spec.includes('/') || /\.[cm]?[jt]sx?$/.test(spec);
}


let hookRegistered = false;

/** Plugins are ES modules wherever they live (see `plugin-format-hook.mjs`), once per thread. */
function registerFormatHook(): void {
  if (hookRegistered) return;
  hookRegistered = true;
  register(new URL('./plugin-format-hook.mjs', import.meta.url));
}

/** The nearest package.json's "type", or null when no package declares one. */
function packageType(file: string): string | null {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const type = (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type;
        return typeof type === 'string' ? type : null;
      } catch {
        return null;
      }
    }
    if (dirname(dir) === dir) return null;
  }
}

const COMMONJS_HINT = 'lockchart plugins are ES modules: write `export const model = …` / ' +
  '`export function createDriver() …` (docs/plugins.md)';

function commonJs(spec: string, why: string): DriverLoadError {
  return new DriverLoadError(`driver module '${spec}' is a CommonJS module (${why}); ` +
    COMMONJS_HINT);
}

/**
 * Why a source reads as CommonJS — it assigns `module.exports` or `exports.x`, or calls
 * `require`, and has no `import` or `export` statement — or null. Checked before loading, so a
 * CommonJS plugin is named as such rather than failing somewhere inside the module loader.
 */
export function commonJsSyntax(source: string): string | null {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  if (/^\s*(import|export)\b/m.test(code)) return null;
  if (/\bmodule\.exports\b/.test(code)) return 'it assigns module.exports';
  if (/(^|[^.\w$])exports\.[\w$]+\s*=/m.test(code)) return 'it assigns exports.NAME';
  if (/(^|[^.\w$])require\s*\(/m.test(code)) return 'it calls require()';
  return null;
}

async function importModule(spec: string): Promise<Record<string, unknown>> {
  const file = resolve(spec);
  if (!existsSync(file)) throw new DriverLoadError(`cannot load driver module '${spec}': no such file`);
  if (!statSync(file).isFile()) {
    throw new DriverLoadError(`cannot load driver module '${spec}': not a file`);
  }
  const extension = extname(file);
  if (extension === '.cjs' || extension === '.cts') throw commonJs(spec, `a ${extension} file`);
  if (['.js', '.ts', '.jsx', '.tsx'].includes(extension) && packageType(file) === 'commonjs') {
    throw commonJs(spec, 'its package.json says "type": "commonjs"');
  }
  const why = commonJsSyntax(readFileSync(file, 'utf8'));
  if (why) throw commonJs(spec, why);
  // tsx's hooks go before the format hook, as in a checkout, where the entry registers tsx first;
  // a JavaScript plugin does without tsx when it is not installed.
  const typeScript = /\.[cm]?tsx?$/.test(extension);
  await ensureTypeScriptLoader().catch((error: Error) => {
    if (typeScript) throw new DriverLoadError(`cannot load driver module '${spec}': ${error.message}`);
  });
  registerFormatHook();
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    if (/\b(require|module|exports|__dirname|__filename) is not defined/.test(message)) {
      throw commonJs(spec, message);
    }
    throw new DriverLoadError(`cannot load driver module '${spec}': ${message}`);
  }
  return namespace;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function configOf(spec: string, namespace: Record<string, unknown>): DriverConfig {
  const config = namespace['config'] ?? {};
  if (!isPlainObject(config)) {
    throw new DriverLoadError(`driver module '${spec}': 'config' must be an object`);
  }
  const problem = configProblem(config);
  if (problem) throw new DriverLoadError(`driver module '${spec}': config: ${problem}`);
  return config;
}

/** A model export, checked, guarded, and shown to accept the module's configuration. */
function modelOf(spec: string, candidate: unknown, config: DriverConfig, what: string):
  LockServiceModel<unknown> {
  const problem = checkModel(candidate);
  if (problem) throw new DriverLoadError(`'${spec}' is not a lockchart driver model: ${problem}`);
  const model = guardModel(candidate as LockServiceModel<unknown>, spec);
  try {
    model.initial(config);
  } catch (error) {
    // A refusal is a LockError from `initial`; anything else (a throw, garbage) the guard names.
    const reason = error instanceof ModelCallError ? `initial ${error.problem}`
      : (error as Error).message;
    throw new DriverLoadError(`driver module '${spec}': ${what} refuses the configuration: ` +
      reason);
  }
  return model;
}

async function driverOf(spec: string, factory: unknown): Promise<LockDriver> {
  if (typeof factory !== 'function') {
    throw new DriverLoadError(`driver module '${spec}': 'createDriver' must be a function ` +
      'returning a fresh LockDriver');
  }
  let driver: unknown;
  try {
    driver = await (factory as () => unknown)();
  } catch (error) {
    throw new DriverLoadError(`driver module '${spec}': createDriver() threw ` +
      `${error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error)}`);
  }
  const problem = pluginDriverProblem(driver);
  if (problem) {
    throw new DriverLoadError(`driver module '${spec}': createDriver() returned no lock driver: ` +
      problem);
  }
  return driver as LockDriver;
}

const looksLikeDriverTable = (value: unknown) => isPlainObject(value) &&
  typeof value['acquire'] === 'function' && typeof value['create'] === 'function';

/** What the loader needs of the built-in catalogue. */
export interface Catalogue {
  builtin(name: string): DriverOffer | undefined;
  names(): readonly string[];
}

/** Loads the module `spec` names and turns its exports into an offer. */
export async function loadDriverModule(spec: string, catalogue: Catalogue): Promise<DriverOffer> {
  const namespace = await importModule(spec);
  const origin = { kind: 'module', path: spec } as const;
  const fallback = namespace['default'];
  if (looksLikeDriverTable(namespace['driver'] ?? fallback)) {
    throw new DriverLoadError(`driver module '${spec}' exports a LockDriver object: export a ` +
      "factory 'createDriver()' returning a fresh one (real mode loads one per host), and for " +
      "the simulator its service model as 'model' (docs/plugins.md)");
  }
  const modelExport = namespace['model'] ?? (isPlainObject(fallback) && 'initial' in fallback
    ? fallback : undefined);
  if (modelExport === undefined && namespace['createDriver'] === undefined) {
    const found = Object.keys(namespace).join(', ') || 'nothing';
    throw new DriverLoadError(`driver module '${spec}' exports neither 'model' (a service model) ` +
      `nor 'createDriver' (a LockDriver factory); it exports ${found} (docs/plugins.md)`);
  }
  const config = configOf(spec, namespace);
  const model = modelExport === undefined ? undefined : modelOf(spec, modelExport, config, 'its model');
  const probe = namespace['createDriver'] === undefined ? undefined
    : await driverOf(spec, namespace['createDriver']);
  const name = model?.name ?? probe!.name;
  if (catalogue.builtin(name)) {
    throw new DriverLoadError(`driver module '${spec}': its driver is named '${name}', the name of ` +
      'a built-in driver; give it a name of its own (traces record it)');
  }
  if (model && probe && probe.name !== model.name) {
    throw new DriverLoadError(`driver module '${spec}': its model is named '${model.name}' but ` +
      `createDriver() returns '${probe.name}'; one driver, one name`);
  }
  const offer: { -readonly [K in keyof DriverOffer]: DriverOffer[K] } = {
    name, origin, summary: model?.summary ?? `a LockDriver from ${spec}`,
  };
  if (model) offer.model = { model, config };
  if (probe) {
    const factory = namespace['createDriver'] as () => unknown;
    offer.driver = {
      async create() {
        return guardDriver(await driverOf(spec, factory), spec);
      },
      config,
      family: 'generic',
      failure: probe.failure,
    };
    offer.reference = referenceOf(spec, namespace['reference'], offer.model, config, catalogue);
  } else if (namespace['reference'] !== undefined) {
    throw new DriverLoadError(`driver module '${spec}': 'reference' is for a LockDriver ` +
      "(createDriver); a model is its own reference");
  }
  return offer;
}

function referenceOf(spec: string, reference: unknown, own: ModelOffer | undefined,
  config: DriverConfig, catalogue: Catalogue): DriverOffer['reference'] {
  if (reference === undefined) {
    if (own) return { name: own.model.name, ...own };
    return undefined;
  }
  if (typeof reference === 'string') {
    const named = catalogue.builtin(reference);
    if (!named?.model) {
      const models = catalogue.names().filter((name) => catalogue.builtin(name)?.model);
      throw new DriverLoadError(`driver module '${spec}': 'reference' names no built-in model ` +
        `'${reference}' (built-in models: ${models.join(', ')})`);
    }
    return { name: named.name, ...named.model };
  }
  const model = modelOf(spec, reference, config, 'its reference model');
  if (catalogue.builtin(model.name)) {
    throw new DriverLoadError(`driver module '${spec}': its reference model is named ` +
      `'${model.name}', a built-in driver's name; name it, or give 'reference' as that name`);
  }
  return { name: model.name, model, config };
}

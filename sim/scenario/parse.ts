/**
 * The scenario file format: a hand-written trace with expectations, for regression tests of
 * libvirt's locking edge cases. One statement per line, `#` starts a comment:
 *
 *   scenario daemon-restart-drops-locks        (a name)
 *   driver model                                (default: model)
 *   config file_lockspace_dir=/var/lib/lockd    (driver configuration, repeatable)
 *   design rfc                                  (libvirt, rfc or rfc-early-shutdown; default libvirt)
 *   hosts 2        disks 1                      (world shape; VMs are counted from `vm` lines)
 *   vm web disk0:exclusive disk1:shared spare disk2:readonly   (disk0~1 = alias spelling 1)
 *   invariants S1,S2                            (check only these; default: all that apply)
 *   expect safe | violated S2 | liveness S7
 *
 * then steps, naming VMs by name and hosts as h0, h1…:
 *   start|pause|resume|destroy web@h0      attach web@h0 disk2      detach web@h0 disk2
 *   migrate web begin h1|prepare|perform|finish|confirm|cancel
 *   complete web@h0 acquireLocks [fail acquire-fails|release-fails|partial-acquire N]
 *   timer web@h0 killGraceMs     exit web@h0     write web@h0 disk0     guest-pause web@h0
 *   rogue-call web@h0 acquire|release disk0
 *   fault process-crash|process-kill|external-resume|connection-drop web@h0
 *   fault daemon-crash|host-crash h0     fault daemon-reexec h0 [lost=yes,no]
 *   fault libvirtd-restart h0 [applied=yes,no]     fault path-alias web disk0 1
 *   fault image-probe h0 disk0
 *   settle                                  (let everything in flight complete)
 *   assert domain web@h0 active.vcpus.paused | assert process web@h0 running|paused|dead
 *   assert held web@h0 disk0 | assert free disk0 | assert lockstate web@h0 none|kept
 *   assert error web@h0 RESOURCE_BUSY|none  (the last lock error libvirtd logged for the domain)
 *
 * Every problem is reported as `file:line: what is wrong`.
 */
import type { DriverConfig } from '../../contract/driver.ts';
import { LIBVIRT_ERROR_CODES, type LockErrorCode } from '../../contract/errors.ts';
import type { LockMode } from '../../contract/flags.ts';
import { INVARIANT_IDS, type InvariantId } from '../checkers/index.ts';
import type { Step } from '../steps.ts';
import { SHAPE_LIMITS } from '../trace/reader.ts';
import { FAULT_NAMES } from '../faults/index.ts';
import { faultStatement, readStep as validateStep, stepStatement } from '../steps/index.ts';
import type { ScenarioWords } from '../steps/module.ts';
import { StepError } from '../steps/read.ts';
import { DESIGNS, isDesign, type Design } from '../world/design.ts';
import { createStorage } from '../world/storage.ts';
import { configProblem } from '../../drivers/registry/config-check.ts';
import type { DiskUse, VmDefinition } from '../world/types.ts';

export type Expectation =
  | { readonly verdict: 'safe' }
  | { readonly verdict: 'violated'; readonly invariant: InvariantId }
  | { readonly verdict: 'liveness'; readonly invariant: InvariantId };

export type Assertion =
  | { readonly what: 'domain'; readonly vm: number; readonly host: number; readonly state: string }
  | { readonly what: 'process'; readonly vm: number; readonly host: number;
      readonly state: 'running' | 'paused' | 'dead' }
  | { readonly what: 'held'; readonly vm: number; readonly host: number; readonly disk: number }
  | { readonly what: 'free'; readonly disk: number }
  /** The domain's saved lock-state string (`priv->lockState`) is absent, or kept. */
  | { readonly what: 'lockstate'; readonly vm: number; readonly host: number;
      readonly state: 'none' | 'kept' }
  | { readonly what: 'error'; readonly vm: number; readonly host: number;
      readonly code: LockErrorCode | 'none' };

export type Action =
  | { readonly type: 'step'; readonly step: Step }
  | { readonly type: 'settle' }
  | { readonly type: 'assert'; readonly assertion: Assertion };

export interface Scenario {
  readonly name: string;
  readonly file: string;
  readonly driver: string;
  /** The line of the `driver` statement (messages about the driver point at it). */
  readonly driverLine?: number;
  readonly config: DriverConfig;
  /** The lock-manager design (`sim/world/design.ts`). */
  readonly design: Design;
  readonly hosts: number;
  readonly disks: number;
  readonly vms: readonly VmDefinition[];
  readonly invariants: readonly InvariantId[] | null;
  readonly expect: Expectation;
  readonly actions: ReadonlyArray<{ readonly line: number; readonly action: Action }>;
}

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

const INVARIANTS = INVARIANT_IDS;
const MODES: readonly LockMode[] = ['exclusive', 'shared', 'readonly'];

interface State {
  name: string;
  driver: string;
  driverLine?: number;
  config: Record<string, string>;
  design: Design;
  hosts: number;
  disks: number;
  vms: { name: string; disks: [number, LockMode, number][]; spares: [number, LockMode, number][] }[];
  invariants: InvariantId[] | null;
  expect: Expectation | null;
  actions: { line: number; action: Action }[];
}

export function parseScenario(text: string, file: string): Scenario {
  const state: State = {
    name: file, driver: 'model', config: {}, design: 'libvirt', hosts: 2, disks: 1, vms: [], invariants: null,
    expect: null, actions: [],
  };
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    try {
      statement(state, line.split(/\s+/), index + 1);
    } catch (error) {
      if (error instanceof ScenarioError || error instanceof StepError) {
        throw new ScenarioError(`${file}:${index + 1}: ${error.message}`);
      }
      throw error;
    }
  });
  return finish(state, file);
}

function finish(state: State, file: string): Scenario {
  if (!state.expect) throw new ScenarioError(`${file}: missing 'expect safe|violated SX|liveness SX'`);
  if (state.vms.length === 0) throw new ScenarioError(`${file}: no 'vm' line`);
  if (state.actions.length === 0) throw new ScenarioError(`${file}: no steps`);
  const storage = createStorage(state.disks);
  const uses = (list: [number, LockMode, number][]): DiskUse[] =>
    list.map(([disk, mode, spelling]) => ({ disk, mode, path: storage.spelling(disk, spelling) }));
  return {
    name: state.name,
    file,
    driver: state.driver,
    ...(state.driverLine === undefined ? {} : { driverLine: state.driverLine }),
    config: state.config,
    design: state.design,
    hosts: state.hosts,
    disks: state.disks,
    vms: state.vms.map((vm) => ({ name: vm.name, disks: uses(vm.disks), spares: uses(vm.spares) })),
    invariants: state.invariants,
    expect: state.expect,
    actions: state.actions,
  };
}

function fail(message: string): never {
  throw new ScenarioError(message);
}

function count(word: string | undefined, what: 'hosts' | 'disks'): number {
  const n = Number(word);
  if (!Number.isInteger(n) || n < 1 || n > SHAPE_LIMITS[what]) {
    fail(`'${what}' takes a number from 1 to ${SHAPE_LIMITS[what]}, got '${word ?? ''}'`);
  }
  return n;
}

function statement(state: State, words: string[], line: number): void {
  const [keyword, ...args] = words as [string, ...string[]];
  const settled = state.actions.length > 0;
  const header = (what: string) => {
    if (settled) fail(`'${what}' must come before the first step`);
  };
  switch (keyword) {
    case 'scenario':
      state.name = args.join(' ') || fail("'scenario' needs a name");
      return;
    case 'driver':
      header('driver');
      state.driver = args[0] ?? fail("'driver' needs a name");
      state.driverLine = line;
      return;
    case 'config': {
      header('config');
      const [key, value] = (args[0] ?? '').split('=');
      if (!key || value === undefined) fail("'config' takes KEY=VALUE");
      const problem = configProblem({ [key]: value });
      if (problem) fail(`config: ${problem}`);
      state.config[key] = value;
      return;
    }
    case 'design':
      header('design');
      if (!isDesign(args[0])) fail(`'design' takes one of ${DESIGNS.join(', ')}`);
      state.design = args[0] as Design;
      return;
    case 'hosts':
      header('hosts');
      state.hosts = count(args[0], 'hosts');
      return;
    case 'disks':
      header('disks');
      state.disks = count(args[0], 'disks');
      return;
    case 'vm':
      header('vm');
      state.vms.push(vmLine(state, args));
      return;
    case 'invariants':
      header('invariants');
      state.invariants = (args[0] ?? '').split(',').map((id) =>
        INVARIANTS.includes(id as InvariantId) ? id as InvariantId
          : fail(`unknown invariant '${id}' (known: ${INVARIANTS.join(', ')})`));
      return;
    case 'expect':
      header('expect');
      state.expect = expectation(args);
      return;
    default:
      state.actions.push({ line, action: action(state, keyword, args) });
  }
}

function vmLine(state: State, args: string[]): State['vms'][number] {
  const [name, ...rest] = args;
  if (!name || !/^[a-z][\w-]*$/i.test(name)) fail("'vm' needs a name (letters, digits, - or _)");
  if (state.vms.some((vm) => vm.name === name)) fail(`vm '${name}' is defined twice`);
  const vm = { name, disks: [] as [number, LockMode, number][], spares: [] as [number, LockMode, number][] };
  let target = vm.disks;
  for (const word of rest) {
    if (word === 'spare') {
      target = vm.spares;
      continue;
    }
    const match = /^disk(\d+)(?:~(\d))?:(\w+)$/.exec(word);
    if (!match) fail(`bad disk '${word}' (write diskN:exclusive|shared|readonly, or diskN~S:MODE)`);
    const disk = Number(match[1]);
    if (disk >= state.disks) fail(`disk${disk} does not exist (disks ${state.disks})`);
    const mode = match[3] as LockMode;
    if (!MODES.includes(mode)) fail(`bad mode '${mode}' (exclusive, shared or readonly)`);
    target.push([disk, mode, Number(match[2] ?? 0)]);
  }
  if (vm.disks.length === 0) fail(`vm '${name}' has no disk`);
  return vm;
}

function expectation(args: string[]): Expectation {
  const [verdict, invariant] = args;
  if (verdict === 'safe') return { verdict: 'safe' };
  if (verdict === 'violated' || verdict === 'liveness') {
    if (!INVARIANTS.includes(invariant as InvariantId)) {
      fail(`'expect ${verdict}' needs an invariant (${INVARIANTS.join(', ')})`);
    }
    return { verdict, invariant: invariant as InvariantId };
  }
  return fail("'expect' takes safe, violated SX or liveness SX");
}

function vmIndex(state: State, name: string | undefined): number {
  const index = state.vms.findIndex((vm) => vm.name === name);
  if (index < 0) fail(`unknown vm '${name ?? ''}' (defined: ${state.vms.map((v) => v.name).join(', ')})`);
  return index;
}

function host(state: State, word: string | undefined): number {
  const match = /^h(\d+)$/.exec(word ?? '');
  const n = match ? Number(match[1]) : NaN;
  if (!(n >= 0 && n < state.hosts)) fail(`bad host '${word ?? ''}' (h0…h${state.hosts - 1})`);
  return n;
}

function at(state: State, word: string | undefined): { vm: number; host: number } {
  const [name, where] = (word ?? '').split('@');
  if (!where) fail(`expected VM@hN, got '${word ?? ''}'`);
  return { vm: vmIndex(state, name), host: host(state, where) };
}

function diskArg(state: State, word: string | undefined): number {
  const match = /^disk(\d+)$/.exec(word ?? '');
  const n = match ? Number(match[1]) : NaN;
  if (!(n >= 0 && n < state.disks)) fail(`bad disk '${word ?? ''}' (disk0…disk${state.disks - 1})`);
  return n;
}

/** `N` (the first N resources) or `#i,#j` (exactly those): what a failure affected. */
function effectArg(word: string | undefined): number | number[] {
  if (/^\d+$/.test(word ?? '')) return Number(word);
  if (/^#\d+(,#\d+)*$/.test(word ?? '')) return word!.split(',').map((i) => Number(i.slice(1)));
  return fail(`bad failure effect '${word ?? ''}': a count N, or the resources as #i,#j`);
}

function flags(word: string | undefined, key: string): boolean[] {
  if (word === undefined) return [];
  const [name, list] = word.split('=');
  if (name !== key || list === undefined) fail(`expected ${key}=yes,no,…`);
  return list.split(',').map((v) => (v === 'yes' ? true : v === 'no' ? false : fail(`'${v}' is not yes or no`)));
}

/** How statements name things, for the step modules' scenario syntax. */
function wordsOf(state: State): ScenarioWords {
  return {
    at: (word) => at(state, word),
    vm: (word) => vmIndex(state, word),
    host: (word) => host(state, word),
    disk: (word) => diskArg(state, word),
    spare(vm, disk) {
      const spare = state.vms[vm]!.spares.findIndex(([d]) => d === disk);
      if (spare < 0) fail(`disk${disk} is not a spare of ${state.vms[vm]!.name}`);
      return spare;
    },
    flags,
    effect: effectArg,
    fail,
  };
}

/** A step statement, read by the step's module (`sim/steps`, `sim/faults`). */
function action(state: State, keyword: string, args: string[]): Action {
  const words = wordsOf(state);
  if (keyword === 'settle') return { type: 'settle' };
  if (keyword === 'assert') return { type: 'assert', assertion: assertion(state, args) };
  if (keyword === 'fault') {
    const [name, ...rest] = args;
    const syntax = faultStatement(name ?? '');
    if (!syntax) {
      fail(`unknown fault ${JSON.stringify(name ?? '')} (fault statements: ${FAULT_NAMES
        .filter((fault) => faultStatement(fault) !== null).join(', ')})`);
    }
    const fields = syntax.parse(name!, rest, words);
    return { type: 'step', step: validateStep({ ...fields, kind: 'fault', fault: name }) };
  }
  const statement = stepStatement(keyword);
  if (!statement) return fail(`unknown statement '${keyword}'`);
  const fields = statement.syntax.parse(keyword, args, words);
  return { type: 'step', step: validateStep({ ...fields, kind: statement.kind }) };
}

function assertion(state: State, args: string[]): Assertion {
  const [what, target, value] = args;
  switch (what) {
    case 'domain':
      return { what, ...at(state, target), state: value ?? fail("'assert domain' needs a state") };
    case 'process':
      if (value !== 'running' && value !== 'paused' && value !== 'dead') {
        fail("'assert process' takes running, paused or dead");
      }
      return { what, ...at(state, target), state: value };
    case 'held':
      return { what, ...at(state, target), disk: diskArg(state, value) };
    case 'free':
      return { what, disk: diskArg(state, target) };
    case 'lockstate':
      if (value !== 'none' && value !== 'kept') fail("'assert lockstate' takes none or kept");
      return { what, ...at(state, target), state: value as 'none' | 'kept' };
    case 'error':
      if (value !== 'none' && !Object.hasOwn(LIBVIRT_ERROR_CODES, value ?? '')) {
        fail(`'assert error' takes none or an error code (${Object.keys(LIBVIRT_ERROR_CODES).join(', ')})`);
      }
      return { what, ...at(state, target), code: value as LockErrorCode | 'none' };
    default:
      return fail("'assert' takes domain, process, held, free, lockstate or error");
  }
}

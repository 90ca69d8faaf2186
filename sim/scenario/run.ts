/**
 * Runs a scenario: builds its world, applies its steps strictly (a step that is not enabled is
 * an error naming the line and why), checks its assertions, lets the world settle, and compares
 * the verdict with the expectation.
 */
import { readFileSync } from 'node:fs';
import type { Violation } from '../checkers/index.ts';
import {
  builtinDriver, DriverLoadError, resolveDriver, simDriverOf, type SimDriver,
} from '../resolve-driver.ts';
import { traceHeader } from '../run/random.ts';
import { Session } from '../run/session.ts';
import { describeStep } from '../steps/index.ts';
import type { Step } from '../steps.ts';
import type { TraceSink } from '../trace/writer.ts';
import { isRunning } from '../world/actors.ts';
import { createContext } from '../world/context.ts';
import { diskGrants } from '../checkers/grants.ts';
import { createWorld } from '../world/setup.ts';
import type { World } from '../world/types.ts';
import type { DomainContext } from '../../machines/domain.machine.ts';
import { parseScenario, ScenarioError, type Assertion, type Scenario } from './parse.ts';

export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly passed: boolean;
  /** What the run found, in the expectation's words: `safe`, `violated S2`, `liveness S7`. */
  readonly found: string;
  readonly violation: Violation | null;
  readonly liveness: Violation | null;
  readonly steps: number;
  /** Why it failed, or a one-line summary when it passed. */
  readonly message: string;
}

export function loadScenario(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ScenarioError(`${path}: cannot read scenario (${(error as NodeJS.ErrnoException).code})`);
  }
  return parseScenario(text, path);
}

/**
 * The scenario's driver. A scenario is data: its `driver` line names a built-in driver, or the
 * driver of the module the user gave with `--driver PATH` — never a module by itself.
 */
async function scenarioDriver(scenario: Scenario, module: string | undefined): Promise<SimDriver> {
  const where = `${scenario.file}:${scenario.driverLine ?? 1}`;
  let offer;
  try {
    offer = builtinDriver(scenario.driver) ??
      (module === undefined ? undefined : await resolveDriver(module));
  } catch (error) {
    if (error instanceof DriverLoadError) throw new ScenarioError(error.message);
    throw error;
  }
  if (!offer || (offer.name !== scenario.driver && module !== scenario.driver)) {
    throw new ScenarioError(`${where}: the scenario names driver '${scenario.driver}', which is ` +
      'not built in' + (module === undefined ? '; lockchart runs a module only when you name it ' +
        'on the command line: pass --driver PATH' : ` and not the driver of ${module} ` +
        `('${offer?.name ?? '?'}')`));
  }
  let driver: SimDriver;
  try {
    driver = simDriverOf(offer);
  } catch (error) {
    throw new ScenarioError(`${where}: ${(error as Error).message}`);
  }
  const config = { ...driver.config, ...scenario.config };
  try {
    driver.model.initial(config);
  } catch (error) {
    if (error instanceof DriverLoadError) throw error;
    throw new ScenarioError(`${where}: driver '${driver.name}' refuses the scenario's config: ` +
      `${(error as Error).message}`);
  }
  return { ...driver, config };
}

export async function runScenario(scenario: Scenario, traceSink?: TraceSink | (() => TraceSink),
  options: { readonly driver?: string } = {}): Promise<ScenarioResult> {
  const driver = await scenarioDriver(scenario, options.driver);
  // Opened only once the scenario is known good: a refused one leaves no empty trace behind.
  const sink = typeof traceSink === 'function' ? traceSink() : traceSink;
  const shape = { hosts: scenario.hosts, vms: scenario.vms.length, disks: scenario.disks };
  const ctx = createContext(driver.model, shape, driver.config, { design: scenario.design });
  const session = new Session(ctx, createWorld(ctx, scenario.vms), {
    ...(scenario.invariants ? { invariants: scenario.invariants } : {}),
    ...(sink ? { sink } : {}),
  });
  session.start(traceHeader(driver, { seed: null, faults: [], shape, definitions: scenario.vms,
    swarm: null, origin: 'scenario' }, ctx.design));
  let failure: string | null = null;
  for (const { line, action } of scenario.actions) {
    if (session.violation) break;
    const where = `${scenario.file}:${line}`;
    if (action.type === 'step') {
      if (!session.apply(action.step)) {
        throw new ScenarioError(`${where}: '${describeStep(action.step, scenario.vms.map((v) => v.name))}' is not enabled here ` +
          `(${whyNot(session.world, action.step)})`);
      }
    } else if (action.type === 'settle') {
      session.heal(null);
    } else {
      const problem = checkAssertion(ctx, session.world, action.assertion, scenario);
      if (problem && !failure) failure = `${where}: assertion failed: ${problem}`;
    }
  }
  if (!session.violation) {
    session.heal(null);
    if (!session.violation) session.checkLiveness();
  }
  session.end();
  sink?.close();
  return verdict(scenario, session, failure);
}

function verdict(scenario: Scenario, session: Session, failure: string | null): ScenarioResult {
  const found = session.violation ? `violated ${session.violation.invariant}`
    : session.liveness ? `liveness ${session.liveness.invariant}` : 'safe';
  const expected = scenario.expect.verdict === 'safe' ? 'safe'
    : `${scenario.expect.verdict} ${scenario.expect.invariant}`;
  const detail = (session.violation ?? session.liveness)?.message;
  const mismatch = found !== expected
    ? `expected ${expected}, found ${found}${detail ? `: ${detail}` : ''}` : null;
  const message = failure ?? mismatch ?? `${found}${detail ? `: ${detail}` : ''}`;
  return {
    scenario,
    passed: failure === null && mismatch === null,
    found,
    violation: session.violation,
    liveness: session.liveness,
    steps: session.count,
    message,
  };
}

function whyNot(world: World, step: Step): string {
  if (step.kind === 'complete') {
    const calls = world.pending.filter((c) => c.vm === step.vm && c.host === step.host)
      .map((c) => c.invoke);
    return calls.length > 0 ? `calls in flight for it: ${calls.join(', ')}` : 'no call of it is in flight';
  }
  if ('vm' in step && 'host' in step) {
    const domain = world.domains[step.vm * world.hosts.length + step.host];
    const proc = world.procs.find((p) => p.vm === step.vm && p.host === step.host);
    return `its domain is in ${domain?.leaves.join(' + ') ?? '?'}` +
      `, its qemu is ${proc ? proc.actor.leaves[0] : 'not running'}`;
  }
  return 'the world does not allow it now';
}

function checkAssertion(
  ctx: Parameters<typeof diskGrants>[0],
  world: World,
  assertion: Assertion,
  scenario: Scenario,
): string | null {
  const name = (vm: number, host: number) => `${scenario.vms[vm]!.name}@h${host}`;
  switch (assertion.what) {
    case 'domain': {
      const leaves = world.domains[assertion.vm * world.hosts.length + assertion.host]!.leaves;
      return leaves.some((leaf) => leaf.startsWith(assertion.state)) ? null
        : `domain ${name(assertion.vm, assertion.host)} is in ${leaves.join(' + ')}, not ${assertion.state}`;
    }
    case 'process': {
      const proc = world.procs.find((p) => p.vm === assertion.vm && p.host === assertion.host);
      const actual = !proc ? 'dead' : isRunning(proc) ? 'running' : 'paused';
      return actual === assertion.state ? null
        : `qemu of ${name(assertion.vm, assertion.host)} is ${actual}, not ${assertion.state}`;
    }
    case 'held': {
      const proc = world.procs.find((p) => p.vm === assertion.vm && p.host === assertion.host);
      const holds = proc !== undefined && diskGrants(ctx, world.service)
        .some((g) => g.owner === proc.pid && g.disk === assertion.disk);
      return holds ? null : `${name(assertion.vm, assertion.host)} holds no lock on disk${assertion.disk}`;
    }
    case 'error': {
      const context = world.domains[assertion.vm * world.hosts.length + assertion.host]!.snapshot
        .context as DomainContext;
      const code = context.lastError?.code ?? 'none';
      return code === assertion.code ? null
        : `the last lock error of ${name(assertion.vm, assertion.host)} is ${code}` +
          `${context.lastError ? ` (${context.lastError.message})` : ''}, not ${assertion.code}`;
    }
    case 'free': {
      const holders = diskGrants(ctx, world.service).filter((g) => g.disk === assertion.disk);
      return holders.length === 0 ? null
        : `disk${assertion.disk} is held by pid ${holders.map((g) => g.owner).join(', ')}`;
    }
    case 'lockstate': {
      const { lockState } = world.domains[assertion.vm * world.hosts.length + assertion.host]!
        .snapshot.context as DomainContext;
      const actual = lockState === null ? 'none' : 'kept';
      return actual === assertion.state ? null
        : `domain ${name(assertion.vm, assertion.host)} has lock state ${lockState === null ? 'none' : `'${lockState}'`}`;
    }
  }
}

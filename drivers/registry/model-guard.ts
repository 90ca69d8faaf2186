/**
 * A user's service model, guarded: every call is checked as it happens, so that a model that
 * throws, answers garbage or answers a Promise stops the run with one line naming the function
 * and the step — never a stack trace from deep inside the simulator, and never a verdict built
 * on a reply that is not one. Every call is also marked in the thread's call slot, so that the
 * watchdog can end a call that never returns (`watchdog.ts`).
 *
 * Only models loaded from a module are guarded: the built-in ones are the simulator's own code,
 * and the checks cost time on the hot path.
 */
import { isLockErrorCode } from '../../contract/errors.ts';
import type { Grant, LockServiceModel, OwnerGoneResult } from '../../contract/service.ts';
import {
  currentStep, describeStep, enterCall, leaveCall, registerOrigin, SLOT_FUNCTIONS,
} from './call-slot.ts';
import type { ModelFunction } from './check-model.ts';
import { ModelCallError } from './errors.ts';
import { watchModelCalls } from './watchdog.ts';

type Check = (value: unknown, args: readonly unknown[]) => string | null;

const isThenable = (value: unknown) => typeof value === 'object' && value !== null &&
  typeof (value as { then?: unknown }).then === 'function';

const describe = (value: unknown): string => {
  if (value === undefined) return 'undefined';
  try {
    const text = JSON.stringify(value);
    return text === undefined ? typeof value : text.length > 60 ? `${text.slice(0, 57)}…` : text;
  } catch {
    return typeof value;
  }
};

const aState: Check = (value) => (value === undefined ? 'a state, got undefined' : null);

function aReply(value: unknown, resources: number, valueCheck: (v: unknown) => boolean,
  valueWhat: string): string | null {
  if (typeof value !== 'object' || value === null) return `a reply object, got ${describe(value)}`;
  const reply = value as Record<string, unknown>;
  if (reply['state'] === undefined) return "a reply with 'state', got none";
  if (reply['ok'] === true) {
    return valueCheck(reply['value']) ? null : `${valueWhat} as 'value', got ${describe(reply['value'])}`;
  }
  if (reply['ok'] !== false) return `a reply with 'ok' true or false, got ${describe(reply['ok'])}`;
  const error = reply['error'] as Record<string, unknown> | undefined;
  if (typeof error !== 'object' || error === null || !isLockErrorCode(error['code']) ||
    typeof error['message'] !== 'string') {
    return `a failed reply with 'error' { code: a LockErrorCode, message }, got ${describe(error)}`;
  }
  const done = reply['done'];
  if (typeof done !== 'number' || !Number.isInteger(done) || done < 0 || done > resources) {
    return `a failed reply with 'done' an integer from 0 to ${resources}, got ${describe(done)}`;
  }
  return null;
}

const resourcesOf = (args: readonly unknown[]) =>
  ((args[1] as { resources?: readonly unknown[] } | undefined)?.resources?.length) ?? 0;
const nothing = (v: unknown) => v === null || v === undefined;
const stateString = (v: unknown) => v === null || typeof v === 'string';

const MODES = new Set(['exclusive', 'shared']);
function aGrant(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const grant = value as Record<keyof Grant, unknown>;
  return typeof grant.key === 'string' && typeof grant.resource === 'string' &&
    Number.isInteger(grant.owner) && Number.isInteger(grant.host) && MODES.has(grant.mode as string);
}

const CHECKS: Readonly<Record<ModelFunction, Check>> = {
  initial: aState,
  checkResource: (value) => {
    if (value === null) return null;
    const error = value as Record<string, unknown> | undefined;
    return typeof error === 'object' && isLockErrorCode(error['code']) &&
      typeof error['message'] === 'string' ? null
      : `null or an error { code: a LockErrorCode, message }, got ${describe(value)}`;
  },
  register: (value) => aReply(value, 0, nothing, 'null'),
  acquire: (value, args) => aReply(value, resourcesOf(args), nothing, 'null'),
  release: (value, args) => aReply(value, resourcesOf(args), stateString, 'a string or null'),
  inquire: (value, args) => aReply(value, resourcesOf(args), stateString, 'a string or null'),
  callFromOwner: (value, args) => aReply(value, resourcesOf(args), nothing, 'null'),
  ownerGone: (value) => {
    const result = value as Partial<OwnerGoneResult<unknown>> | null;
    return typeof result === 'object' && result !== null && result.state !== undefined &&
      Number.isInteger(result.released) && result.released! >= 0 &&
      typeof result.kill === 'boolean' ? null
      : `{ state, released: a count, kill: a boolean }, got ${describe(value)}`;
  },
  daemonCrash: aState,
  daemonReexec: aState,
  hostCrash: aState,
  grants: (value) => (Array.isArray(value) && value.every(aGrant) ? null
    : `a list of grants { key, resource, owner, host, mode: exclusive|shared }, got ${describe(value)}`),
  registration: (value) => (['none', 'registered', 'restricted'].includes(value as string) ? null
    : `'none', 'registered' or 'restricted', got ${describe(value)}`),
  encode: (value) => (typeof value === 'string' ? null : `a string, got ${describe(value)}`),
  relabel: () => null,
};

/** `model` with every function checked and timed; `origin` names the module in messages. */
export function guardModel<S>(model: LockServiceModel<S>, origin: string): LockServiceModel<S> {
  const module = registerOrigin(origin);
  watchModelCalls(module, origin);
  const guarded: Record<string, unknown> = { ...model };
  for (const fn of SLOT_FUNCTIONS) {
    const original = (model as unknown as Record<string, unknown>)[fn];
    if (typeof original !== 'function') continue;
    const index = SLOT_FUNCTIONS.indexOf(fn);
    const check = CHECKS[fn];
    guarded[fn] = (...args: unknown[]) => {
      let value: unknown;
      enterCall(index, module);
      try {
        value = (original as (...a: unknown[]) => unknown).apply(model, args);
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}`
          : describe(error);
        throw new ModelCallError(origin, fn, describeStep(currentStep()), `threw ${reason}`);
      } finally {
        leaveCall();
      }
      if (isThenable(value)) {
        throw new ModelCallError(origin, fn, describeStep(currentStep()),
          'returned a Promise (a service model is synchronous: is it declared async?)');
      }
      const problem = check(value, args);
      if (problem) {
        throw new ModelCallError(origin, fn, describeStep(currentStep()), `returned garbage: expected ${problem}`);
      }
      return value;
    };
  }
  return guarded as unknown as LockServiceModel<S>;
}

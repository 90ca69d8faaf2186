/**
 * A user's `LockDriver`, guarded: each callback must settle within a time budget and with its
 * documented value (or a `LockError`); anything else becomes one `DriverCallError` naming the
 * callback. Driver calls are asynchronous, so a plain timer is enough here — unlike service
 * models (`watchdog.ts`), a driver that never settles does not block the thread.
 */
import { isLockError } from '../../contract/errors.ts';
import { DRIVER_METHODS, type LockDriver } from '../../contract/driver.ts';
import { DriverCallError } from './errors.ts';

/** How long one driver callback may take (LOCKCHART_DRIVER_BUDGET_MS overrides it). */
export function driverBudgetMs(): number {
  const value = Number(process.env['LOCKCHART_DRIVER_BUDGET_MS']);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_DRIVER_BUDGET_MS;
}

/**
 * Generous: a driver may talk to a daemon that stalls for a while (virtlockd's kill loop takes
 * 200 ms a round), and a slow machine must not turn a slow driver into a broken one.
 */
export const DEFAULT_DRIVER_BUDGET_MS = 30_000;

type Method = (typeof DRIVER_METHODS)[number];

const stateString = (v: unknown) => v === null || typeof v === 'string';

/** What each callback must resolve with, or null when anything goes. */
const RESULTS: Partial<Record<Method, [(value: unknown) => boolean, string]>> = {
  acquire: [(v) => typeof v === 'object' && v !== null &&
    ((v as { fd?: unknown }).fd === null || Number.isInteger((v as { fd?: unknown }).fd)),
  '{ fd: a descriptor or null }'],
  release: [stateString, 'a state string or null'],
  inquire: [stateString, 'a state string or null'],
  create: [(v) => v !== undefined, 'its private object'],
};

export function guardDriver<T>(driver: LockDriver<T>, origin: string,
  budgetMs = driverBudgetMs()): LockDriver<T> {
  const guarded: Record<string, unknown> = Object.create(driver) as Record<string, unknown>;
  for (const method of DRIVER_METHODS) {
    const original = driver[method] as (...args: unknown[]) => unknown;
    const result = RESULTS[method];
    guarded[method] = async (...args: unknown[]) => {
      let timer: NodeJS.Timeout | undefined;
      const overdue = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DriverCallError(origin, method,
          `did not settle within ${budgetMs / 1000} s`)), budgetMs);
      });
      let value: unknown;
      try {
        value = await Promise.race([Promise.resolve().then(() => original.apply(driver, args)),
          overdue]);
      } catch (error) {
        if (isLockError(error) || error instanceof DriverCallError) throw error;
        const what = error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}`
          : String(error);
        throw new DriverCallError(origin, method,
          `threw ${what} (a driver reports a failure as a LockError, contract/errors.ts)`);
      } finally {
        clearTimeout(timer);
      }
      if (result && !result[0](value)) {
        throw new DriverCallError(origin, method,
          `resolved with ${describe(value)}, expected ${result[1]}`);
      }
      return value;
    };
  }
  return guarded as unknown as LockDriver<T>;
}

function describe(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}…` : text;
  } catch {
    return typeof value;
  }
}

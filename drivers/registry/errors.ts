/** Errors of loading and running a driver someone named: one line each, never a stack trace. */

/** A driver name or module that cannot be used (unknown name, bad module, wrong exports). */
export class DriverLoadError extends Error {
  override readonly name: string = 'DriverLoadError';
}

/**
 * A user's service model misbehaved when called: it threw, returned something that is not a
 * reply, returned a Promise, or did not return within the time budget.
 */
export class ModelCallError extends DriverLoadError {
  override readonly name = 'ModelCallError';
  constructor(readonly origin: string, readonly fn: string, readonly step: string,
    readonly problem: string) {
    super(`driver module '${origin}': model function '${fn}' ${problem} ${step}`);
  }
}

/**
 * A user's `LockDriver` misbehaved when called: it threw something that is not a `LockError`,
 * answered something that is not its documented value, or did not settle within the budget.
 */
export class DriverCallError extends DriverLoadError {
  override readonly name = 'DriverCallError';
  constructor(readonly origin: string, readonly method: string, readonly problem: string) {
    super(`driver module '${origin}': '${method}' ${problem}`);
  }
}

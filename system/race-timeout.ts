/** Waiting with a deadline that does not keep the process alive once the wait is over. */

/**
 * Resolves with `promise`'s value, or with `'timeout'` after `ms`; the timer is cleared either
 * way (a dangling timer would hold a CLI or benchmark process open for its whole length).
 */
export async function raceTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Retrying sanlock's transient answers with jittered, capped exponential backoff ("full jitter":
 * each pause is uniform in [0, min(cap, base·2^attempt)]), so two hosts racing for one paxos
 * lease do not retry in lockstep.
 *
 * The randomness and the sleeping are injected: the real client passes `node:crypto` and a
 * timer, a test or a simulator passes its own seeded source and virtual sleep. Nothing here
 * touches Math.random or a clock.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

export interface RetryPolicy {
  /** Tries in all, the first included (≥ 1). */
  readonly attempts: number;
  /** The first pause's upper bound, in ms. */
  readonly baseMs: number;
  /** No pause is longer than this, in ms. */
  readonly capMs: number;
  readonly random: Random;
  readonly sleep: (ms: number) => Promise<void>;
}

/** The upper bound of the pause after failed try number `attempt` (0-based). */
export function backoffCeiling(policy: Pick<RetryPolicy, 'baseMs' | 'capMs'>, attempt: number): number {
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
}

/** The jittered pause after failed try number `attempt`: uniform in [0, ceiling]. */
export function backoffDelay(policy: Pick<RetryPolicy, 'baseMs' | 'capMs' | 'random'>,
  attempt: number): number {
  const r = policy.random();
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
  return unit * backoffCeiling(policy, attempt);
}

/** What one try reports: done with a value, or a transient failure worth another try. */
export type Attempt<T> = { readonly done: true; readonly value: T } |
  { readonly done: false; readonly error: unknown };

/**
 * Runs `attempt` until it is done or `policy.attempts` tries have failed transiently; then
 * throws the last transient error. Anything `attempt` throws ends the retries at once.
 * @returns the value and how many tries it took.
 */
export async function withRetries<T>(policy: RetryPolicy,
  attempt: (index: number) => Promise<Attempt<T>>): Promise<{ value: T; tries: number }> {
  let last: unknown = null;
  for (let index = 0; index < Math.max(1, policy.attempts); index++) {
    if (index > 0) await policy.sleep(backoffDelay(policy, index - 1));
    const outcome = await attempt(index);
    if (outcome.done) return { value: outcome.value, tries: index + 1 };
    last = outcome.error;
  }
  throw last;
}

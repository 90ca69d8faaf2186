/**
 * Memoised calls into the lock service model. A model is pure, so a call's reply depends only on
 * the service state and the call: worlds that reach the same state (one object, as the explorer
 * interns them) and make the same call get the reply object computed the first time. That saves
 * the model's work and, because equal replies are one object, the explorer's interning of the
 * state that results. States that are not shared simply miss; a run that never revisits a
 * state (`SimContext.revisits` false: random mode) computes every reply without the tables.
 */
import type { SimContext } from './context.ts';
import { memo } from './memo.ts';
import type { DiskUse } from './types.ts';

/** Replies per context (a model and its configuration), per service state object, by call key. */
const replies = new WeakMap<SimContext, WeakMap<object, Map<string, unknown>>>();
/** The last context's table: a run asks with one context all along. */
let lastContext: SimContext | null = null;
let lastTable: WeakMap<object, Map<string, unknown>> | undefined;
/** Small numbers for disk-use lists (shared objects, `usesOf`), to put in keys. */
const listIds = new WeakMap<readonly DiskUse[], number>();
let nextListId = 1;

/** The reply of `compute()` for the call `key` on `service` in `ctx`, computed once per state
 * object (hot callers skip building the key when `ctx.revisits` is false). */
export function memoCall<R>(ctx: SimContext, service: unknown, key: string, compute: () => R): R {
  if (!ctx.revisits || typeof service !== 'object' || service === null) return compute();
  const byState = ctx === lastContext && lastTable ? lastTable
    : memo(replies, ctx, () => new WeakMap());
  lastContext = ctx;
  lastTable = byState;
  return memo(memo(byState, service, () => new Map()), key, compute) as R;
}

/** A number naming a disk-use list object, for call keys. */
export function listId(uses: readonly DiskUse[]): number {
  return memo(listIds, uses, () => nextListId++);
}

/**
 * One disk or lease within a lock manager, as the manager believes it to be: declared,
 * acquiring, held (exclusive, shared or read-only), releasing, released — and the two *unknown*
 * states the seed leaves undefined: after a failed acquire the lock may or may not be held
 * ("I'd just leave it undefined"), after a failed release it may or may not have been released
 * ("it is sufficient to leave it undefined"). The machine says so instead of guessing; only a
 * later successful call, or an explicit resolution, moves it out of unknown.
 */
import { and, setup } from 'xstate';
import type { LockMode } from '../contract/flags.ts';

export interface ResourceContext {
  readonly name: string;
  readonly mode: LockMode;
}

export interface ResourceInput {
  readonly name: string;
  readonly mode: LockMode;
}

export type ResourceEvent =
  | { type: 'resource.acquire' }
  | { type: 'resource.acquired' }
  | { type: 'resource.acquireFailed' }
  | { type: 'resource.release' }
  | { type: 'resource.released' }
  | { type: 'resource.releaseFailed' }
  | { type: 'resource.resolve'; held: boolean }
  /** The call failed without touching this resource: back to what was believed before it. */
  | { type: 'resource.restore'; belief: 'declared' | 'held' | 'released' | 'unknown' }
  /** The owner process died: the lock service released the resource with its connection. */
  | { type: 'resource.lost' };

/** A failed call that did not touch the resource leaves what was believed before it. */
const restore = [
  { guard: 'wasDeclared', target: '#resource.declared' },
  { guard: 'wasReleased', target: '#resource.released' },
  { guard: 'wasUnknown', target: '#resource.unknown' },
  { guard: and(['wasHeld', 'isExclusive']), target: '#resource.held.exclusive' },
  { guard: and(['wasHeld', 'isShared']), target: '#resource.held.shared' },
  { guard: 'wasHeld', target: '#resource.held.readonly' },
] as const;

const heldByMode = [
  { guard: 'isExclusive', target: '#resource.held.exclusive' },
  { guard: 'isShared', target: '#resource.held.shared' },
  { target: '#resource.held.readonly' },
] as const;

export const resourceMachine = setup({
  types: {} as { context: ResourceContext; input: ResourceInput; events: ResourceEvent },
  guards: {
    isExclusive: ({ context }) => context.mode === 'exclusive',
    isShared: ({ context }) => context.mode === 'shared',
    resolvedHeld: ({ event }) => event.type === 'resource.resolve' && event.held,
    wasDeclared: ({ event }) => event.type === 'resource.restore' && event.belief === 'declared',
    wasReleased: ({ event }) => event.type === 'resource.restore' && event.belief === 'released',
    wasUnknown: ({ event }) => event.type === 'resource.restore' && event.belief === 'unknown',
    wasHeld: ({ event }) => event.type === 'resource.restore' && event.belief === 'held',
  },
}).createMachine({
  id: 'resource',
  context: ({ input }) => ({ name: input.name, mode: input.mode }),
  initial: 'declared',
  states: {
    declared: {
      description: 'declared in this context; no call about it yet',
      on: { 'resource.acquire': 'acquiring', 'resource.release': 'releasing' },
    },
    acquiring: {
      on: {
        'resource.acquired': heldByMode,
        'resource.acquireFailed': 'unknown.afterAcquire',
        'resource.restore': restore,
      },
    },
    held: {
      initial: 'exclusive',
      on: { 'resource.release': 'releasing', 'resource.lost': 'released' },
      states: {
        exclusive: { description: 'exclusive read-write: no other grant may exist' },
        shared: { description: 'shared read-write: only other shared grants may exist' },
        readonly: { description: 'read-only: never locked, coexists with a writer' },
      },
    },
    releasing: {
      on: {
        'resource.released': 'released',
        'resource.releaseFailed': 'unknown.afterRelease',
        'resource.restore': restore,
        'resource.lost': 'released',
      },
    },
    released: {
      on: { 'resource.acquire': 'acquiring', 'resource.release': 'releasing' },
    },
    unknown: {
      description: 'undefined by the seed: the lock may or may not be held',
      initial: 'afterAcquire',
      on: {
        'resource.acquire': 'acquiring',
        'resource.release': 'releasing',
        'resource.lost': 'released',
        'resource.resolve': [
          { guard: and(['resolvedHeld', 'isExclusive']), target: '#resource.held.exclusive' },
          { guard: and(['resolvedHeld', 'isShared']), target: '#resource.held.shared' },
          { guard: 'resolvedHeld', target: '#resource.held.readonly' },
          { target: 'released' },
        ],
      },
      states: {
        afterAcquire: { description: 'acquire failed: maybe held, maybe not' },
        afterRelease: { description: 'release failed: maybe released, maybe still held' },
      },
    },
  },
});

export type ResourceMachine = typeof resourceMachine;

/**
 * Readers for the actions a pure transition returns: which children it spawns (invokes and
 * spawned machines, with their input), which events it sends to whom, which children it stops,
 * which delays it schedules and which named actions (process commands) it runs.
 */
interface ActionLike {
  readonly type: string;
  readonly params?: unknown;
}

interface SpawnParams { id: string; src: unknown; input?: unknown }
interface SendParams { targetId?: string; to?: { id?: string }; event: { type: string } }
interface RaiseParams { id?: string; delay?: number; event: { type: string } }

const paramsOf = <T>(action: ActionLike): T => action.params as T;

export interface Spawn { id: string; src: unknown; input: unknown }

export function spawned(actions: readonly ActionLike[]): Spawn[] {
  return actions.filter((a) => a.type === 'xstate.spawnChild').map((a) => {
    const { id, src, input } = paramsOf<SpawnParams>(a);
    return { id, src, input };
  });
}

export function spawnedIds(actions: readonly ActionLike[]): string[] {
  return spawned(actions).map((spawn) => spawn.id);
}

export function sent(actions: readonly ActionLike[]): string[] {
  return actions.filter((a) => a.type === 'xstate.sendTo').map((a) => {
    const { targetId, to, event } = paramsOf<SendParams>(a);
    return `${targetId ?? to?.id} ← ${event.type}`;
  });
}

export function stopped(actions: readonly ActionLike[]): string[] {
  return actions.filter((a) => a.type === 'xstate.stopChild')
    .map((a) => paramsOf<{ id: string }>(a).id);
}

export function delayed(actions: readonly ActionLike[]): { id: string; delay: number }[] {
  return actions
    .filter((a) => a.type === 'xstate.raise' && paramsOf<RaiseParams>(a).delay !== undefined)
    .map((a) => {
      const { id, delay } = paramsOf<RaiseParams>(a);
      return { id: id ?? '', delay: delay ?? 0 };
    });
}

/** The machine's own named actions (process commands), in order. */
export function named(actions: readonly ActionLike[]): string[] {
  return actions.map((a) => a.type).filter((type) => !type.startsWith('xstate.'));
}

/**
 * Domain statechart states as small integer codes under a renaming, projected onto the context
 * that matters for the future.
 *
 * The projection leaves out `lastError` (written by `recordError`, read by no guard, no action
 * and no effect input: only diagnostics) and `reconnected` (read only by the eventless guards of
 * the transient `defined` state, which every domain leaves in its first macrostep and never
 * re-enters). Two states equal but for those fields take the same transitions with the same
 * effects, so merging them is sound; keeping them would make every error message — which names
 * pids — a new state. Every other context field is kept, with disk paths renamed.
 */
import type { ActorState } from '../../machines/interned.ts';
import type { Interner } from './interner.ts';
import type { Renaming } from './renaming.ts';

/** Context fields of the domain statechart that the explorer's states leave out (see above). */
export const DROPPED_DOMAIN_FIELDS: readonly string[] = ['lastError', 'reconnected'];

/** The projected, renamed key of a domain state (`renaming` null: no renaming). */
export function domainKey(actor: ActorState, renaming: Renaming | null): string {
  const context = JSON.stringify(actor.snapshot.context, (key, value: unknown) => {
    if (DROPPED_DOMAIN_FIELDS.includes(key)) return undefined;
    const disk = value as { kind?: unknown; name?: unknown; mode?: unknown } | null;
    if (renaming && disk && typeof disk === 'object' && disk.kind === 'disk' &&
      typeof disk.name === 'string') {
      return { ...disk, name: renaming.path(disk.name) };
    }
    return value;
  });
  return `${JSON.stringify(actor.snapshot.value)}\u0000${context}`;
}

/** Codes of projected, renamed domain states, memoised per interned state and renaming. */
export class DomainCodes {
  private readonly tables: Int32Array[];

  constructor(
    private readonly renamings: readonly Renaming[],
    private readonly interner: Interner,
  ) {
    this.tables = renamings.map(() => new Int32Array(256));
  }

  /** The code of a domain state under renaming `t` (memoised per interned state). */
  code(t: number, actor: ActorState): number {
    let table = this.tables[t]!;
    if (actor.id >= table.length) {
      const grown = new Int32Array(Math.max(table.length * 2, actor.id + 1));
      grown.set(table);
      this.tables[t] = table = grown;
    }
    let code = table[actor.id]!;
    if (code === 0) {
      code = this.interner.code(domainKey(actor, this.renamings[t]!));
      table[actor.id] = code;
    }
    return code;
  }
}

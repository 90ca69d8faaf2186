/**
 * SVG through `@viz-js/viz` (Graphviz compiled to WASM): offline, no system Graphviz needed.
 * The WASM instance takes tens of milliseconds to start, so one is created lazily and shared.
 */
import { instance, type Viz } from '@viz-js/viz';
import type { AnyStateMachine } from 'xstate';
import { toDot, type DotOptions } from './dot.ts';

let shared: Promise<Viz> | undefined;

/** The shared Graphviz instance, started on first use. */
export function graphviz(): Promise<Viz> {
  shared ??= instance();
  return shared;
}

/** Lays out DOT text and returns the SVG document. Throws with Graphviz's messages on failure. */
export async function dotToSvg(dot: string): Promise<string> {
  const viz = await graphviz();
  const result = viz.render(dot, { format: 'svg' });
  if (result.status !== 'success') {
    throw new Error(`graphviz failed: ${result.errors.map((e) => e.message.trim()).join('; ')}`);
  }
  return result.output;
}

/** The machine's statechart as SVG; options as for `toDot` (e.g. `{ active }`). */
export async function toSvg(machine: AnyStateMachine, options: DotOptions = {}): Promise<string> {
  return dotToSvg(toDot(machine, options));
}

/**
 * Diagram rendering cost, per render of the domain machine (the largest parallel chart a report
 * shows per step): DOT text with active states highlighted, then the full SVG layout. The issue
 * sets no target; these are figures to watch.
 */
import { CATALOG } from '../machines/catalog.ts';
import { domainMachine } from '../machines/domain.machine.ts';
import { activePaths } from '../viz/active.ts';
import { toDot } from '../viz/dot.ts';
import { toMermaid } from '../viz/mermaid.ts';
import { graphviz, toSvg } from '../viz/svg.ts';
import { rate, type BenchFigure } from './harness.ts';

/** Snapshots a report might show: a few distinct configurations, cycled. */
const STEPS = [
  { active: { vcpus: 'running', devices: 'idle' } },
  { active: { vcpus: 'pausing', devices: 'idle' } },
  { active: { vcpus: 'paused', devices: 'attaching' } },
  { outgoing: 'performed' },
].map((value) => activePaths(value));

export default async (): Promise<BenchFigure[]> => {
  await graphviz();
  let step = 0;
  const next = () => STEPS[step++ % STEPS.length];
  const dotPerSecond = await rate(() => toDot(domainMachine, { active: next() }));
  const mermaidPerSecond = await rate(() => toMermaid(domainMachine, { active: next() }));
  const svgPerSecond = await rate(() => toSvg(domainMachine, { active: next() }), 3000);
  const largest = CATALOG.map((entry) => entry.machine)
    .reduce((a, b) => (toDot(a).length >= toDot(b).length ? a : b));
  const largestSvgPerSecond = await rate(() => toSvg(largest), 3000);
  const figure = (name: string, perSecond: number): BenchFigure =>
    ({ name, value: 1000 / perSecond, unit: 'ms/render' });
  return [
    figure('domain → DOT with highlighted states', dotPerSecond),
    figure('domain → Mermaid with highlighted states', mermaidPerSecond),
    figure('domain → SVG with highlighted states (Graphviz WASM)', svgPerSecond),
    figure(`${largest.id} (largest chart) → SVG`, largestSvgPerSecond),
  ];
};

/**
 * The statecharts a report draws: the domain and process machines, each laid out once with
 * `viz/` (no state highlighted) and embedded once. The page clones a chart per actor and lights
 * states by toggling the `active` class on its `state:<path>` elements; it never lays out a
 * chart per step.
 */
import { domainMachine } from '../../machines/domain.machine.ts';
import { processMachine } from '../../machines/process.machine.ts';
import { toSvg } from '../svg.ts';

export interface ReportCharts {
  /** Inline SVG markup (no XML prolog), sized by its viewBox. */
  readonly domain: string;
  readonly process: string;
}

let rendered: Promise<ReportCharts> | undefined;

/** Lays the two charts out (once per process: the machines do not change at run time). */
export function reportCharts(): Promise<ReportCharts> {
  rendered ??= Promise.all([toSvg(domainMachine), toSvg(processMachine)])
    .then(([domain, process]) => ({ domain: inlineSvg(domain), process: inlineSvg(process) }));
  return rendered;
}

/**
 * SVG markup fit for embedding in HTML: the prolog, doctype and comments go, and the fixed
 * point size gives way to the viewBox so the page can scale the chart to its panel.
 */
export function inlineSvg(svg: string): string {
  const start = svg.indexOf('<svg');
  if (start < 0) throw new Error('not an SVG document');
  return svg.slice(start)
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/^<svg width="[^"]*" height="[^"]*"/, '<svg');
}

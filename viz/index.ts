export type {
  Chart, ChartInvoke, ChartState, ChartTransition, StateKind, Trigger,
} from './chart.ts';
export { isWithin, ROOT, stateAt } from './chart.ts';
export { chartOf } from './structure.ts';
export { guardText } from './guard-text.ts';
export { activePaths, unknownPaths } from './active.ts';
export { chartToDot, toDot, type DotOptions } from './dot.ts';
export { chartToMermaid, toMermaid, type MermaidOptions } from './mermaid.ts';
export { dotToSvg, graphviz, toSvg } from './svg.ts';
export { diagramFiles, DIAGRAMS_DIR, REGENERATE } from './docs.ts';

/**
 * The contents of `docs/diagrams/`, computed in memory from the catalogue: `<name>.mmd` and
 * `<name>.svg` per machine and a README embedding them. `npm run diagrams` writes them
 * (`viz/write-docs.ts`) and a test compares them with the committed files, so the docs can never
 * drift from the machine definitions.
 */
import { CATALOG, type CatalogEntry } from '../machines/catalog.ts';
import { toMermaid } from './mermaid.ts';
import { toSvg } from './svg.ts';

/** Where the generated files live, relative to the repository root. */
export const DIAGRAMS_DIR = 'docs/diagrams';

/** The command that regenerates them. */
export const REGENERATE = 'npm run diagrams';

/** Every generated file: name (inside `DIAGRAMS_DIR`) → exact contents, README last. */
export async function diagramFiles(
  catalog: readonly CatalogEntry[] = CATALOG,
): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of catalog) {
    files.set(`${entry.name}.mmd`, withHeader(toMermaid(entry.machine)));
    files.set(`${entry.name}.svg`, await toSvg(entry.machine));
  }
  files.set('README.md', readme(catalog));
  return files;
}

/** A Mermaid comment after the diagram type (Mermaid expects the type first). */
function withHeader(mermaid: string): string {
  const [type, ...rest] = mermaid.split('\n');
  const header = `  %% Generated from the machine definition by \`${REGENERATE}\`: do not edit.`;
  return [type, header, ...rest].join('\n');
}

function readme(catalog: readonly CatalogEntry[]): string {
  const rows = catalog.map((entry) =>
    `| [${entry.name}](#${entry.name}) | ${entry.summary} | [SVG](${entry.name}.svg) · `
    + `[Mermaid](${entry.name}.mmd) |`);
  const sections = catalog.flatMap((entry) => [
    `## ${entry.name}`,
    '',
    `${entry.summary}.`,
    '',
    `![${entry.name} statechart](${entry.name}.svg)`,
    '',
  ]);
  return [
    '# Statechart diagrams',
    '',
    'Generated from the machine definitions (`machines/catalog.ts`) by the code in `viz/`,',
    `never drawn by hand. Regenerate with \`${REGENERATE}\`;`,
    '`test/viz/docs-fresh.test.ts` fails while a committed file is stale.',
    '`lockchart diagram <machine> --format mermaid|dot|svg --active <state,…>` draws one on',
    'demand, with states highlighted.',
    '',
    '| machine | what it models | files |',
    '| --- | --- | --- |',
    ...rows,
    '',
    '**Reading them.** A rounded box is a state; a box around states is a compound state; dashed',
    'boxes are the regions of a parallel state, active at the same time; a double border is a',
    'final state; a black dot points at the initial state. `invoke x` names an invoked actor',
    '(`invoke x as id` when its id differs); its results arrive as `done: id` and, in red,',
    '`error: id`. `[guard]` labels a guarded transition and `[else]` the fallback after guarded',
    'ones; dashed edges are eventless (`always`), dotted ones fire after a named delay',
    '(`after killGraceMs`). A line `event / action` inside a state is an internal transition:',
    'it runs its actions without leaving the state. Open an SVG by itself and hover an edge',
    'to see its actions.',
    '',
    ...sections,
  ].join('\n');
}

/** `lockchart machines`: each statechart with its states and the events it handles. */
import { CATALOG, machineEvents, stateNodes, statePath } from '../../machines/catalog.ts';
import { parse } from '../args.ts';
import type { Command } from '../command.ts';

export const machinesCommand: Command = {
  name: 'machines',
  summary: 'list the statecharts with their states and events',
  usage: [
    'usage: lockchart machines [--json]',
    '',
    'Lists every statechart (manager, resource, process, domain) with its states, as dotted',
    'paths, and the events it handles. --json prints the same as a JSON array.',
  ].join('\n'),
  async run(argv, io) {
    const { values } = parse(argv, { json: { type: 'boolean' } }, 'machines');
    const listing = CATALOG.map((entry) => ({
      name: entry.name,
      summary: entry.summary,
      states: stateNodes(entry.machine).map(statePath),
      events: machineEvents(entry.machine),
    }));
    if (values.json) {
      io.out(JSON.stringify(listing, null, 2));
      return 0;
    }
    for (const machine of listing) {
      io.out(`${machine.name} — ${machine.summary}`);
      io.out(`  states (${machine.states.length}): ${machine.states.join(', ')}`);
      io.out(`  events (${machine.events.length}): ${machine.events.join(', ')}`);
      io.out('');
    }
    return 0;
  },
};

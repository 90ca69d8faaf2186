import { initialTransition, transition, type EventFrom, type SnapshotFrom } from 'xstate';
import { describe, expect, it } from 'vitest';
import { processMachine } from '../../machines/process.machine.ts';

type Snapshot = SnapshotFrom<typeof processMachine>;
type Event = EventFrom<typeof processMachine>;

function run(...events: Event['type'][]): Snapshot {
  let [snapshot] = initialTransition(processMachine);
  for (const type of events) [snapshot] = transition(processMachine, snapshot, { type } as Event);
  return snapshot;
}

describe('the process machine', () => {
  it('starts as not started and performs nothing on creation', () => {
    const [snapshot, actions] = initialTransition(processMachine);
    expect(snapshot.value).toBe('notStarted');
    expect(actions).toEqual([]);
  });

  it('forks into starting, execs paused, and only runs after cont', () => {
    expect(run('process.start').value).toEqual({ alive: 'starting' });
    expect(run('process.start', 'process.exec').value).toEqual({ alive: 'paused' });
    const running = run('process.start', 'process.exec', 'process.cont');
    expect(running.value).toEqual({ alive: 'running' });
  });

  it('stops its vCPUs back to paused', () => {
    const snapshot = run('process.start', 'process.exec', 'process.cont', 'process.stop');
    expect(snapshot.value).toEqual({ alive: 'paused' });
  });

  it.each([
    ['process.exit', 'exited'],
    ['process.crash', 'crashed'],
    ['process.kill', 'killed'],
  ] as const)('dies by %s from any live state, for good', (death, final) => {
    for (const alive of [['process.start'], ['process.start', 'process.exec'],
      ['process.start', 'process.exec', 'process.cont']] as const) {
      const dead = run(...alive, death);
      expect(dead.value).toBe(final);
      expect(dead.status).toBe('done');
      const [after] = transition(processMachine, dead, { type: 'process.start' });
      expect(after.value).toBe(final);
    }
  });

  it('ignores commands that make no sense in its state by returning the same snapshot', () => {
    const notStarted = run();
    expect(transition(processMachine, notStarted, { type: 'process.exec' })[0]).toBe(notStarted);
    expect(transition(processMachine, notStarted, { type: 'process.kill' })[0]).toBe(notStarted);
    const starting = run('process.start');
    expect(transition(processMachine, starting, { type: 'process.cont' })[0]).toBe(starting);
    expect(transition(processMachine, starting, { type: 'process.start' })[0]).toBe(starting);
    const running = run('process.start', 'process.exec', 'process.cont');
    expect(transition(processMachine, running, { type: 'process.exec' })[0]).toBe(running);
  });

  it('describes what each live state means for disk writes', () => {
    const running = run('process.start', 'process.exec', 'process.cont');
    const node = running._nodes.find((n) => n.key === 'running');
    expect(node?.description).toMatch(/write/);
  });
});

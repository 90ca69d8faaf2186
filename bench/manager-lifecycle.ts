/**
 * A realistic event sequence for the manager machine: one RFC lifecycle as the faces and the
 * simulator drive it, invoke results included. Every event is handled where it is sent; the
 * benchmark checks that, so it never measures cheap rejections by accident.
 */
import type { AnyEventObject } from 'xstate';
import { FailureAction } from '../contract/flags.ts';
import type { ResourceSpec } from '../contract/resources.ts';
import type { ManagerInput } from '../machines/manager.machine.ts';

const disk = (name: string): ResourceSpec => ({ kind: 'disk', name, mode: 'exclusive' });
const done = (id: string, output: unknown = null): AnyEventObject =>
  ({ type: `xstate.done.actor.${id}`, output });

export const LIFECYCLE_INPUT: ManagerInput = { params: {} };

const HOTPLUG_CYCLE: AnyEventObject[] = [
  { type: 'resource.acquire', resource: disk('/images/hot.img') },
  done('acquireResource', { fd: null }),
  { type: 'resource.release', name: '/images/hot.img' },
  done('releaseResource'),
];

export const LIFECYCLE: readonly AnyEventObject[] = [
  { type: 'parameter.set', key: 'id', value: 1 },
  { type: 'parameter.set', key: 'uuid', value: '00000000-0000-4000-8000-000000000001' },
  { type: 'parameter.set', key: 'name', value: 'vm1' },
  { type: 'resource.add', resource: disk('/images/root.img') },
  { type: 'start' },
  done('registerOwner', { fd: null }),
  done('acquireResources', { fd: null }),
  ...HOTPLUG_CYCLE,
  ...HOTPLUG_CYCLE,
  { type: 'release', flags: 0 },
  done('releaseResources'),
  { type: 'acquire', lockState: null, flags: 0, action: FailureAction.DEFAULT },
  done('acquireResources', { fd: null }),
  { type: 'inquire', flags: 0 },
  done('inquireState'),
  { type: 'shutdown' },
  done('shutdown'),
  { type: 'free' },
  done('killProcess'),
];

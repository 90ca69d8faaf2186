/**
 * The registry of fault classes: one module each, in this file's order (the order of `--faults`
 * lists, of the matrix's columns and of the enumerator). Every layer iterates this registry;
 * adding a class is one module and one line here (`docs/simulator.md`, "Adding a fault class").
 */
import { acquireFails } from './acquire-fails.ts';
import type { FaultClass } from './class.ts';
import { connectionDrop, type ConnectionDropStep } from './connection-drop.ts';
import { daemonCrash, type DaemonCrashStep } from './daemon-crash.ts';
import { daemonDoubleReexec, type DaemonDoubleReexecStep } from './daemon-double-reexec.ts';
import { daemonReexec, type DaemonReexecStep } from './daemon-reexec.ts';
import { externalResume, type ExternalResumeStep } from './external-resume.ts';
import { hostCrash, type HostCrashStep } from './host-crash.ts';
import { imageProbe, type ImageProbeStep } from './image-probe.ts';
import { libvirtdRestart, type LibvirtdRestartStep } from './libvirtd-restart.ts';
import { partialAcquire } from './partial-acquire.ts';
import { pathAlias, type PathAliasStep } from './path-alias.ts';
import { processCrash, type ProcessCrashStep } from './process-crash.ts';
import { processKill, type ProcessKillStep } from './process-kill.ts';
import { releaseFails } from './release-fails.ts';
import { supervisorCrash, type SupervisorCrashStep } from './supervisor-crash.ts';
import { clockJump, type ClockJumpStep } from './clock-jump.ts';
import { processPause, type ProcessPauseStep } from './process-pause.ts';
import { storageEio, type StorageEioStep } from './storage-eio.ts';
import { storageStall, type StorageStallStep } from './storage-stall.ts';
import { watchdogOff, type WatchdogOffStep } from './watchdog-off.ts';

export const FAULT_CLASSES = {
  'process-crash': processCrash,
  'process-kill': processKill,
  'libvirtd-restart': libvirtdRestart,
  'daemon-crash': daemonCrash,
  'daemon-reexec': daemonReexec,
  'acquire-fails': acquireFails,
  'release-fails': releaseFails,
  'partial-acquire': partialAcquire,
  'host-crash': hostCrash,
  'external-resume': externalResume,
  'path-alias': pathAlias,
  'connection-drop': connectionDrop,
  'image-probe': imageProbe,
  'daemon-double-reexec': daemonDoubleReexec,
  'supervisor-crash': supervisorCrash,
  'storage-stall': storageStall,
  'storage-eio': storageEio,
  'process-pause': processPause,
  'clock-jump': clockJump,
  'watchdog-off': watchdogOff,
} as const;

/** The steps of the classes that strike as `fault` steps. */
export type FaultStep =
  | ProcessCrashStep
  | ProcessKillStep
  | LibvirtdRestartStep
  | DaemonCrashStep
  | DaemonReexecStep
  | HostCrashStep
  | ExternalResumeStep
  | PathAliasStep
  | ConnectionDropStep
  | ImageProbeStep
  | DaemonDoubleReexecStep
  | SupervisorCrashStep
  | StorageStallStep
  | StorageEioStep
  | ProcessPauseStep
  | ClockJumpStep
  | WatchdogOffStep;

export type FaultName = keyof typeof FAULT_CLASSES;

export const FAULT_NAMES = Object.keys(FAULT_CLASSES) as readonly FaultName[];

/** Every class, in registry order. */
export const FAULT_LIST: readonly FaultClass[] = Object.values(FAULT_CLASSES) as readonly FaultClass[];

export interface FaultInfo {
  readonly name: FaultName;
  readonly summary: string;
  /** Where the fault comes from (reference §6 item numbers). */
  readonly history: string;
}

/** What each class is and where it comes from (for `--help`, the matrix legend, the docs). */
export const FAULTS = FAULT_CLASSES as Readonly<Record<FaultName, FaultInfo>>;

export function isFaultName(name: string): name is FaultName {
  return Object.hasOwn(FAULT_CLASSES, name);
}

/** The class of a fault step (its registry entry, with its `steps` part). */
export function faultClassOf(name: FaultName): FaultClass {
  return FAULT_CLASSES[name] as FaultClass;
}

/** The classes real mode can make happen (a backend still chooses which it offers). */
export const REALISABLE_FAULTS: readonly FaultName[] =
  FAULT_NAMES.filter((name) => faultClassOf(name).steps?.unreal === undefined);

/** Parses `--faults a,b` (or `none`); unknown names are an error naming the valid ones. */
export function parseFaults(text: string): FaultName[] | { error: string } {
  if (text === 'none' || text === '') return [];
  const names = text.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !isFaultName(name));
  if (unknown.length > 0) {
    return { error: `unknown fault${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`)
      .join(', ')} (known: none, ${FAULT_NAMES.join(', ')})` };
  }
  return [...new Set(names)] as FaultName[];
}

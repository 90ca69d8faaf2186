/** Option parsing shared by the simulator commands: drivers, faults, shapes, seeds. */
import { parseFaults, type FaultName } from '../sim/faults/index.ts';
import {
  DriverLoadError,
  resolveDriver,
  simDriverOf,
  type DriverOffer,
  type SimDriver,
} from '../sim/resolve-driver.ts';
import { parseSeed } from '../sim/prng.ts';
import { SHAPE_LIMITS } from '../sim/trace/reader.ts';
import { DEFAULT_DESIGN, DESIGNS, isDesign, type Design } from '../sim/world/design.ts';
import type { WorldShape } from '../sim/world/shape.ts';
import { CliError } from './command.ts';

/** `--driver NAME|PATH`: what the driver offers (a name the user typed: modules may load). */
export async function offerOption(spec: string | undefined, fallback = 'model'): Promise<DriverOffer> {
  try {
    return await resolveDriver(spec ?? fallback);
  } catch (error) {
    if (error instanceof DriverLoadError) throw new CliError(error.message);
    throw error;
  }
}

/** `--driver NAME|PATH` for the simulator: the driver's service model. */
export async function driverOption(spec: string | undefined, fallback = 'model'): Promise<SimDriver> {
  const offer = await offerOption(spec, fallback);
  try {
    return simDriverOf(offer);
  } catch (error) {
    if (error instanceof DriverLoadError) throw new CliError(error.message);
    throw error;
  }
}

export function faultsOption(text: string | undefined): FaultName[] {
  const parsed = parseFaults(text ?? 'none');
  if ('error' in parsed) throw new CliError(`--faults: ${parsed.error}`);
  return parsed;
}

export function seedOption(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const seed = parseSeed(text);
  if (seed === null) {
    throw new CliError(`--seed must be an unsigned 32-bit integer (decimal or 0x hex), got '${text}'`);
  }
  return seed;
}

/** `--design libvirt|rfc|rfc-early-shutdown` (`sim/world/design.ts`). */
export function designOption(text: string | undefined): Design {
  if (text === undefined) return DEFAULT_DESIGN;
  if (!isDesign(text)) throw new CliError(`--design must be one of ${DESIGNS.join(', ')}, got '${text}'`);
  return text;
}

/** The usage lines of `--design`. */
export const DESIGN_USAGE = [
  '  --design     the lock-manager design: libvirt (default: short-lived contexts in libvirtd),',
  "               rfc (the 2010 RFC's: a supervisor per VM holds its leases), rfc-early-shutdown",
  '               (the RFC with Shutdown as the VM can be stopped) — docs/rfc-design.md',
];

/** `--shape HOSTSxVMSxDISKS`, e.g. 2x3x3. */
export function shapeOption(text: string | undefined): WorldShape | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+)x(\d+)x(\d+)$/.exec(text);
  const [hosts, vms, disks] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  if (!match || hosts < 1 || vms < 1 || disks < 1 || hosts > SHAPE_LIMITS.hosts ||
    vms > SHAPE_LIMITS.vms || disks > SHAPE_LIMITS.disks) {
    throw new CliError(`--shape must be HOSTSxVMSxDISKS within ${SHAPE_LIMITS.hosts}x` +
      `${SHAPE_LIMITS.vms}x${SHAPE_LIMITS.disks}, got '${text}'`);
  }
  return { hosts, vms, disks };
}

export function positiveOption(text: string | undefined, name: string, fallback: number, max = 1e9): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) {
    throw new CliError(`--${name} must be an integer from 1 to ${max.toLocaleString('en-US')}, got '${text}'`);
  }
  return Number(text);
}

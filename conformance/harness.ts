/**
 * What the conformance suite needs from a driver under test: the driver itself, disks to lock,
 * and owner processes. A factory makes one fresh harness per check, so checks never see each
 * other's locks. The model driver's harness is in memory; kernel-lock and daemon drivers give
 * real files and real child processes.
 */
import type { DriverConfig, LockDriver } from '../contract/driver.ts';

export interface OwnerHandle {
  readonly pid: number;
  /** The owner's own registration, made from inside it (libvirt's child: REGISTER_ONLY). */
  register(options: { restrict: boolean; disks: readonly string[] }): Promise<void>;
  /**
   * A lock call made through the owner's own registered connection, or undefined when the
   * driver has no such connection (the check is then reported as not applicable).
   */
  callOwn?(operation: 'acquire' | 'release', disk: string): Promise<void>;
  /** The owner process dies; its connections close. Resolves once the service saw it. */
  exit(): Promise<void>;
}

export interface ConformanceHarness {
  readonly driver: LockDriver;
  readonly config?: DriverConfig;
  /** An existing, lockable disk path, unique to this harness. */
  disk(name: string): Promise<string>;
  /**
   * Another spelling of the disk at `path` that reaches the same file (a symlink to it), or
   * absent where the harness has no real files (the check is then not applicable).
   */
  alias?(path: string): Promise<string>;
  spawnOwner(): Promise<OwnerHandle>;
  /** Frees everything the harness made; runs even when the check failed. */
  cleanup(): Promise<void>;
}

export type HarnessFactory = () => Promise<ConformanceHarness>;

/**
 * `libvirt-lockd` and `libvirt-sanlock`: libvirt's own lock-manager code as a lockchart
 * `LockDriver`. Every callback is the matching `virLockManager*` entry point of libvirt.so.0 with
 * the real plugin (lockd.so or sanlock.so), called in the helper process (`helper-process.ts`),
 * which stands for libvirtd:
 *
 *   init → virLockManagerPluginNew(<plugin>, "qemu", <config dir>) (drvInit reads
 *          qemu-<plugin>.conf; lockd.so with file_lockspace_dir sends CREATE_LOCKSPACE on an
 *          unregistered connection, sanlock.so creates and joins `__LIBVIRT__DISKS__`)
 *   create → virLockManagerNew, addResource → virLockManagerAddResource,
 *   acquire/release/inquire → virLockManagerAcquire/Release/Inquire, free → virLockManagerFree.
 *
 * Errors are libvirt's own (virGetLastError), typed with its code (`wire.ts`). The child's
 * registration (REGISTER_ONLY | RESTRICT between fork and exec) is made by a VM the helper
 * forks ({@link LibvirtLockDriver.spawnVm}), as qemuProcessHook makes it.
 *
 * What differs between the plugins is one {@link PluginSetup}: its configuration, the .conf
 * libvirt reads, and how the helper reaches the plugin's daemon.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockError } from '../../contract/errors.ts';
import { LOCK_MANAGER_VERSION, checkFlags } from '../../contract/flags.ts';
import type {
  AcquireOptions,
  AcquireResult,
  DriverConfig,
  FailureSemantics,
  LockDriver,
  LockObjectInit,
} from '../../contract/driver.ts';
import { cleanupOnExit } from '../../system/exit-cleanup.ts';
import { LOCKD_FAILURE } from '../model/lockd-model.ts';
import { SANLOCK_FAILURE } from '../sanlock/driver.ts';
import type { ResourceSpec } from '../../contract/resources.ts';
import { LOCKD_RUN_SOCKET, lockdConfText, parseLibvirtConfig, type LibvirtConfig }
  from './config.ts';
import { LibvirtHelper, type HelperOptions, type HelperVm } from './helper-process.ts';
import { parseLibvirtSanlockConfig, sanlockConfText, sanlockHelperEnv,
  type LibvirtSanlockConfig } from './sanlock-config.ts';

/** A validated configuration, what libvirt reads from it, and how the helper is started. */
export interface PreparedPlugin<C> {
  readonly config: C;
  /** The text of `qemu-<plugin>.conf`. */
  readonly confText: string;
  readonly helper: Omit<HelperOptions, 'cwd'>;
}

/** One libvirt lock-manager plugin, as the driver loads it. */
export interface PluginSetup<C> {
  /** The driver's name: `libvirt-<plugin>`. */
  readonly driver: string;
  /** The plugin: `<libdir>/libvirt/lock-driver/<plugin>.so`. */
  readonly plugin: 'lockd' | 'sanlock';
  readonly failure: FailureSemantics;
  /** @throws INVALID_ARG for a bad configuration. */
  prepare(config: DriverConfig): PreparedPlugin<C>;
}

/** lockd.so, its virtlockd linked at the fixed path it connects to as root. */
export const LOCKD_PLUGIN: PluginSetup<LibvirtConfig> = {
  driver: 'libvirt-lockd',
  plugin: 'lockd',
  failure: LOCKD_FAILURE,
  prepare(config) {
    const parsed = parseLibvirtConfig(config);
    return { config: parsed, confText: lockdConfText(parsed),
      helper: { links: [[LOCKD_RUN_SOCKET, parsed.socket]], timeoutMs: parsed.timeoutMs } };
  },
};

/** sanlock.so, its daemon found through SANLOCK_RUN_DIR (libsanlock's own variable). */
export const SANLOCK_PLUGIN: PluginSetup<LibvirtSanlockConfig> = {
  driver: 'libvirt-sanlock',
  plugin: 'sanlock',
  // sanlock.so asks the sanlock daemon, whose failures leave what lockchart's sanlock driver
  // declares for the same daemon.
  failure: SANLOCK_FAILURE,
  prepare(config) {
    const parsed = parseLibvirtSanlockConfig(config);
    return { config: parsed, confText: sanlockConfText(parsed),
      helper: { links: [], env: sanlockHelperEnv(parsed), timeoutMs: parsed.timeoutMs } };
  },
};

/** One virLockManager object, living in the helper. */
export interface LibvirtObject {
  readonly handle: number;
}

/** The driver, plus what its harnesses need: the helper, the plugin, forked VMs. */
export interface LibvirtLockDriver<C = LibvirtConfig> extends LockDriver<LibvirtObject> {
  readonly config: C | null;
  /** The live helper (throws before init). */
  helper(): LibvirtHelper;
  /** The plugin's handle in the helper. */
  plugin(): number;
  /** A VM child of the helper, parked before exec (register it with {@link HelperVm.register}). */
  spawnVm(): Promise<HelperVm>;
}

interface Session<C> {
  readonly config: C;
  readonly helper: LibvirtHelper;
  readonly plugin: number;
  readonly configDir: string;
  readonly disposeDir: () => void;
}

/** Options that are not libvirt configuration. */
export interface LibvirtDriverOptions {
  /** Where the driver's config dir (qemu-<plugin>.conf) is made; default: the OS temp dir. */
  readonly parentDir?: string;
}

/** `libvirt-lockd`: libvirt's lockd.so. */
export function createLibvirtDriver(options: LibvirtDriverOptions = {}): LibvirtLockDriver {
  return new LibvirtDriverImpl(LOCKD_PLUGIN, options);
}

/** `libvirt-sanlock`: libvirt's sanlock.so. */
export function createLibvirtSanlockDriver(options: LibvirtDriverOptions = {}):
  LibvirtLockDriver<LibvirtSanlockConfig> {
  return new LibvirtDriverImpl(SANLOCK_PLUGIN, options);
}

class LibvirtDriverImpl<C> implements LibvirtLockDriver<C> {
  readonly name: string;
  readonly version = LOCK_MANAGER_VERSION;
  readonly flags = 0;
  readonly failure: FailureSemantics;
  private session: Session<C> | null = null;

  constructor(private readonly setup: PluginSetup<C>, private readonly options: LibvirtDriverOptions) {
    this.name = setup.driver;
    this.failure = setup.failure;
  }

  get config(): C | null {
    return this.session?.config ?? null;
  }

  async init(version: number, config: DriverConfig, flags: number): Promise<void> {
    checkFlags(flags, 0, 'init');
    if (Math.floor(version / 1_000_000) !== Math.floor(LOCK_MANAGER_VERSION / 1_000_000)) {
      throw lockError('CONFIG_UNSUPPORTED', `lock manager ABI version ${version} is not ` +
        `supported by libvirt's ${this.setup.plugin}.so (implements ${LOCK_MANAGER_VERSION})`,
      { operation: 'init', driver: this.name });
    }
    if (this.session) return;
    const prepared = this.setup.prepare(config);
    const configDir = mkdtempSync(join(this.options.parentDir ?? tmpdir(), 'libvirt-conf-'));
    const disposeDir = cleanupOnExit(() => rmSync(configDir, { recursive: true, force: true }));
    let helper: LibvirtHelper | null = null;
    try {
      writeFileSync(join(configDir, `qemu-${this.setup.plugin}.conf`), prepared.confText);
      helper = await LibvirtHelper.start({ ...prepared.helper, cwd: configDir });
      const plugin = await helper.plugin(this.setup.plugin, 'qemu', configDir);
      this.session = { config: prepared.config, helper, plugin, configDir, disposeDir };
    } catch (error) {
      await helper?.close();
      rmSync(configDir, { recursive: true, force: true });
      disposeDir();
      throw error;
    }
  }

  async deinit(): Promise<void> {
    const ending = this.session;
    this.session = null;
    if (!ending) return;
    await ending.helper.close();
    rmSync(ending.configDir, { recursive: true, force: true });
    ending.disposeDir();
  }

  async create(init: LockObjectInit): Promise<LibvirtObject> {
    const session = this.live('create');
    return { handle: await session.helper.newObject(session.plugin, init.type, init.flags,
      init.params) };
  }

  async addResource(object: LibvirtObject, resource: ResourceSpec): Promise<void> {
    await this.live('addResource').helper.add(object.handle, resource);
  }

  async acquire(object: LibvirtObject, options: AcquireOptions): Promise<AcquireResult> {
    await this.live('acquire').helper.acquire(object.handle, options.flags, options.action,
      options.state);
    return { fd: null };
  }

  async release(object: LibvirtObject, flags: number): Promise<string | null> {
    return this.live('release').helper.release(object.handle, flags);
  }

  async inquire(object: LibvirtObject, flags: number): Promise<string | null> {
    return this.live('inquire').helper.inquire(object.handle, flags);
  }

  async free(object: LibvirtObject): Promise<void> {
    const session = this.session;
    if (session?.helper.alive) await session.helper.free(object.handle);
  }

  helper(): LibvirtHelper {
    return this.live('helper').helper;
  }

  plugin(): number {
    return this.live('plugin').plugin;
  }

  spawnVm(): Promise<HelperVm> {
    return this.live('spawnVm').helper.spawnVm();
  }

  private live(operation: string): Session<C> {
    if (!this.session) {
      throw lockError('OPERATION_INVALID', `driver '${this.name}' is not initialised ` +
        '(call init first)', { operation, driver: this.name });
    }
    return this.session;
  }
}

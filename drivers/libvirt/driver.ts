/**
 * `libvirt-lockd`: libvirt's own lock-manager code as a lockchart `LockDriver`. Every callback is
 * the matching `virLockManager*` entry point of libvirt.so.0 with the real lockd.so plugin,
 * called in the helper process (`helper-process.ts`), which stands for libvirtd:
 *
 *   init → virLockManagerPluginNew("lockd", "qemu", <config dir>) (drvInit reads qemu-lockd.conf
 *          and, with file_lockspace_dir, sends CREATE_LOCKSPACE on an unregistered connection)
 *   create → virLockManagerNew, addResource → virLockManagerAddResource,
 *   acquire/release/inquire → virLockManagerAcquire/Release/Inquire, free → virLockManagerFree.
 *
 * Errors are libvirt's own (virGetLastError), typed with its code (`wire.ts`). The child's
 * registration (REGISTER_ONLY | RESTRICT between fork and exec) is made by a VM the helper
 * forks ({@link LibvirtLockDriver.spawnVm}), as qemuProcessHook makes it.
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
  LockDriver,
  LockObjectInit,
} from '../../contract/driver.ts';
import { cleanupOnExit } from '../../system/exit-cleanup.ts';
import { LOCKD_FAILURE } from '../model/lockd-model.ts';
import type { ResourceSpec } from '../../contract/resources.ts';
import { LOCKD_RUN_SOCKET, lockdConfText, parseLibvirtConfig, type LibvirtConfig }
  from './config.ts';
import { LibvirtHelper, type HelperVm } from './helper-process.ts';

/** One virLockManager object, living in the helper. */
export interface LibvirtObject {
  readonly handle: number;
}

/** The driver, plus what its harnesses need: the helper, the plugin, forked VMs. */
export interface LibvirtLockDriver extends LockDriver<LibvirtObject> {
  readonly config: LibvirtConfig | null;
  /** The live helper (throws before init). */
  helper(): LibvirtHelper;
  /** The plugin's handle in the helper. */
  plugin(): number;
  /** A VM child of the helper, parked before exec (register it with {@link HelperVm.register}). */
  spawnVm(): Promise<HelperVm>;
}

interface Session {
  readonly config: LibvirtConfig;
  readonly helper: LibvirtHelper;
  readonly plugin: number;
  readonly configDir: string;
  readonly disposeDir: () => void;
}

/** Options that are not libvirt configuration. */
export interface LibvirtDriverOptions {
  /** Where the driver's config dir (qemu-lockd.conf) is made; default: the OS temp dir. */
  readonly parentDir?: string;
}

export function createLibvirtDriver(options: LibvirtDriverOptions = {}): LibvirtLockDriver {
  return new LibvirtDriverImpl(options);
}

class LibvirtDriverImpl implements LibvirtLockDriver {
  readonly name = 'libvirt-lockd';
  readonly version = LOCK_MANAGER_VERSION;
  readonly flags = 0;
  readonly failure = LOCKD_FAILURE;
  private session: Session | null = null;

  constructor(private readonly options: LibvirtDriverOptions) {}

  get config(): LibvirtConfig | null {
    return this.session?.config ?? null;
  }

  async init(version: number, config: DriverConfig, flags: number): Promise<void> {
    checkFlags(flags, 0, 'init');
    if (Math.floor(version / 1_000_000) !== Math.floor(LOCK_MANAGER_VERSION / 1_000_000)) {
      throw lockError('CONFIG_UNSUPPORTED', `lock manager ABI version ${version} is not ` +
        `supported by libvirt's lockd.so (implements ${LOCK_MANAGER_VERSION})`,
      { operation: 'init', driver: this.name });
    }
    if (this.session) return;
    const parsed = parseLibvirtConfig(config);
    const configDir = mkdtempSync(join(this.options.parentDir ?? tmpdir(), 'libvirt-conf-'));
    const disposeDir = cleanupOnExit(() => rmSync(configDir, { recursive: true, force: true }));
    let helper: LibvirtHelper | null = null;
    try {
      writeFileSync(join(configDir, 'qemu-lockd.conf'), lockdConfText(parsed));
      helper = await LibvirtHelper.start({ links: [[LOCKD_RUN_SOCKET, parsed.socket]],
        timeoutMs: parsed.timeoutMs, cwd: configDir });
      const plugin = await helper.plugin('lockd', 'qemu', configDir);
      this.session = { config: parsed, helper, plugin, configDir, disposeDir };
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

  private live(operation: string): Session {
    if (!this.session) {
      throw lockError('OPERATION_INVALID', `driver '${this.name}' is not initialised ` +
        '(call init first)', { operation, driver: this.name });
    }
    return this.session;
  }
}

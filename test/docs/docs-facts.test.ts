/**
 * The facts docs/api.md and docs/driver-contract.md state about the code must stay true: the
 * drivers' declared failure outcomes, the callback table, every public call and libvirt's flag
 * values.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LockManagerPlugin } from '../../api/plugin.ts';
import { RfcLockManager, RfcPlugin } from '../../api/rfc.ts';
import { DRIVER_METHOD_TABLE } from '../../contract/driver.ts';
import {
  AcquireFlags, FailureAction, LOCK_MANAGER_VERSION, NewFlags, ResourceFlags, ResourceType,
} from '../../contract/flags.ts';
import { lockdModel } from '../../drivers/model/lockd-model.ts';
import { nopModel } from '../../drivers/nop/nop-model.ts';
import { createLibvirtDriver } from '../../drivers/libvirt/driver.ts';
import { createLockdDriver } from '../../drivers/lockd/driver.ts';
import { OFD_FAILURE } from '../../drivers/ofd/driver.ts';
import { POSIX_FAILURE } from '../../drivers/posix/failure.ts';

const read = (name: string) =>
  readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');
const contract = read('driver-contract.md');
const api = read('api.md');

/** TypeScript-private helpers, which are on the prototype all the same. */
const PRIVATE = new Set(['live', 'watch', 'checkHeldAs', 'accepts', 'alive', 'driverCall']);

const methodsOf = (type: { prototype: object }) => Object.getOwnPropertyNames(type.prototype)
  .filter((name) => name !== 'constructor' &&
    typeof Object.getOwnPropertyDescriptor(type.prototype, name)?.value === 'function');

describe('docs/driver-contract.md', () => {
  it.each([
    nopModel,
    lockdModel,
    { name: 'ofd', failure: OFD_FAILURE },
    { name: 'posix', failure: POSIX_FAILURE },
    createLockdDriver(),
    createLibvirtDriver(),
  ])("states the $name driver's declared failure outcomes",
    (driver) => {
      const { acquire, release, rationale } = driver.failure;
      const row = `| \`${driver.name}\` | \`${acquire}\` | \`${release}\` | ${rationale} |`;
      expect(contract).toContain(row);
    });

  it('lists every callback with its libvirt and virtlockd names', () => {
    for (const row of DRIVER_METHOD_TABLE) {
      expect(contract).toContain(`| \`${row.method}\` | \`${row.libvirt}\` | ${row.virtlockd} |`);
      expect(contract).toMatch(new RegExp(`^### \`${row.method}\\(`, 'm'));
    }
  });

  it('states the ABI version the drivers implement', () => {
    expect(contract).toContain(`\`LOCK_MANAGER_VERSION\` = ${LOCK_MANAGER_VERSION}`);
  });
});

describe('docs/api.md', () => {
  it.each([
    ['RfcLockManager', 'manager', RfcLockManager],
    ['RfcPlugin', 'plugin', RfcPlugin],
    ['LockManagerPlugin', 'plugin', LockManagerPlugin],
  ] as const)('documents every public method of %s', (_name, receiver, type) => {
    const methods = methodsOf(type).filter((name) => !PRIVATE.has(name));
    expect(methods.length).toBeGreaterThan(1);
    for (const method of methods) expect(api).toContain(`#### \`${receiver}.${method}(`);
  });

  it('documents the static entry points', () => {
    expect(api).toContain('#### `RfcPlugin.load(');
    expect(api).toContain('#### `LockManagerPlugin.load(');
    expect(api).toContain('#### `createLockManager(');
    expect(api).toContain('#### `assertDriver(');
  });

  it.each([
    ['ResourceType', ResourceType],
    ['ResourceFlags', ResourceFlags],
    ['AcquireFlags', AcquireFlags],
    ['NewFlags', NewFlags],
    ['FailureAction', FailureAction],
  ] as const)("gives libvirt's %s values", (_name, values) => {
    for (const [name, value] of Object.entries(values)) {
      expect(api).toContain(`\`${name}\` = ${value}`);
    }
  });
});

/**
 * The lockd owner program: a real process standing in for QEMU that registers itself with
 * virtlockd through the lockd driver, on a connection whose peer is the owner itself, so that
 * virtlockd releases its locks (and SIGTERMs it) when it goes. The protocol and the rest are
 * every owner program's (`../owner-program.ts`); a call through its own connection creates its
 * object with NEW_STARTED, and `drop` closes that connection.
 *
 * Started by `owner-process.mjs` with the driver configuration as its one argument (JSON).
 */
import { NewFlags } from '../../contract/flags.ts';
import { serveOwner } from '../owner-program.ts';
import { createLockdDriver } from './driver.ts';

const driver = createLockdDriver();

serveOwner({ driver, ownCallFlags: NewFlags.NEW_STARTED, drop: () => driver.closeOwnConnection() },
  JSON.parse(process.argv[2] ?? '{}'), 'owner');

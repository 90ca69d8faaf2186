// Entry of the sanlock owner program (see owner-main.ts): a plain .mjs so that `node` can start
// it from any working directory, registering tsx's loader relative to this file.
import { register } from 'tsx/esm/api';

register();
await import('./owner-main.ts');

// Entry of the owner program (see owner-main.ts): a plain .mjs so that `node` can start it from
// any working directory, compiled or from the sources (system/source-import.mjs).
import { importSource } from '../../system/source-import.mjs';

await importSource(new URL('./owner-main.ts', import.meta.url));

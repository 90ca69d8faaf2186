/**
 * The kernel-lock drivers against the conformance suite with real files and real owner
 * processes. The posix driver in indirect mode runs in the slow tier
 * (`test/slow/kernel-conformance.test.ts`): same checks, another ~30 supervisor starts.
 */
import { conformanceSuite } from './conformance-suite.ts';

conformanceSuite('ofd', false);
conformanceSuite('ofd', true);
conformanceSuite('posix', false);

/** The posix driver in indirect (lockspace) mode against the conformance suite (slow tier). */
import { conformanceSuite } from '../kernel/conformance-suite.ts';

conformanceSuite('posix', true);

import fc from 'fast-check';

// One seed for every property test; print it so a failure can be replayed with FC_SEED=<seed>.
const seed = Number(process.env['FC_SEED'] ?? 4242);
fc.configureGlobal({ seed, numRuns: Number(process.env['FC_RUNS'] ?? 100) });

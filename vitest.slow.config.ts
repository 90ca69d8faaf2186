import { defineConfig } from 'vitest/config';

// The slow tier: real-daemon fault scenarios (virtlockd kills and re-execs, long real-mode runs).
export default defineConfig({
  test: {
    include: ['test/slow/**/*.test.ts'],
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/leak-guard.ts'],
    // A hang guard, not a speed: real-daemon sweeps take 30–130 s on a busy 2-core machine.
    testTimeout: 300_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});

import { defineConfig } from 'vitest/config';

// The slow tier: real-daemon fault scenarios (virtlockd kills and re-execs, long real-mode runs).
export default defineConfig({
  test: {
    include: ['test/slow/**/*.test.ts'],
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/leak-guard.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});

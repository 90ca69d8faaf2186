import { defineConfig } from 'vitest/config';

// fs-ext's async calls crash inside worker threads, so tests run in forked processes.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/slow/**'],
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/leak-guard.ts'],
    // A hang guard, not a speed: heavy explorer tests take 10–35 s on a busy 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 30_000,
  },
});

import { defineConfig } from 'vitest/config';

// fs-ext's async calls crash inside worker threads, so tests run in forked processes.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/slow/**'],
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/leak-guard.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Integration tests start servers and child processes: keep them from starving each other on 2 cores.
    pool: 'forks',
    fileParallelism: true,
  },
});

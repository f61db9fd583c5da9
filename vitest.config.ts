import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // TF.js keeps one global engine per process; files in separate forks keep them apart.
    pool: 'forks',
    env: { L2CAF_MODEL_MIRROR: '../shared/fixtures/models' },
  },
});

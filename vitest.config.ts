import { defineConfig } from 'vitest/config';

// Hermetic suite: fixtures served on 127.0.0.1 by the tests themselves. Live tests (real Debian
// mirror) are *.live.test.ts and run only through vitest.live.config.ts (npm run test:live).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.live.test.ts', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Hermetic: no fallback to a snapshot or archive URL may leave the machine (see allowed-hosts.ts).
    env: { REPRO_GET_ALLOWED_HOSTS: '127.0.0.1,localhost,::1' },
  },
});

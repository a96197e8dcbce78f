import { defineConfig } from 'vitest/config';

// Live tests against the Debian mirror named in /etc/apt/sources.list.d/debian.sources. Each
// skips with a message when that mirror cannot be reached.
export default defineConfig({
  test: {
    include: ['test/**/*.live.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 900_000,
    pool: 'forks',
  },
});

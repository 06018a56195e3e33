import { defineConfig } from 'vitest/config';

/** `npm run soak`: the long runs that npm test keeps short (test/soak/). */
export default defineConfig({
  test: {
    globalSetup: ['test/support/services.setup.ts'],
    include: ['test/soak/**/*.soak-spec.ts'],
    // One soak at a time: they measure the machine as well as cohora.
    fileParallelism: false,
    hookTimeout: 60_000,
  },
});

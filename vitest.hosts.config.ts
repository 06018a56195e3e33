import { defineConfig } from 'vitest/config';

/** `npm run test:hosts`: cohora on hosts made of network namespaces (root), test/hosts/. */
export default defineConfig({
  test: {
    globalSetup: ['test/support/services.setup.ts'],
    include: ['test/hosts/**/*.hosts-spec.ts'],
    hookTimeout: 120_000,
  },
});

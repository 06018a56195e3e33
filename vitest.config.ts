import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Starts Redis and PostgreSQL when they do not answer; fails the run if it cannot.
    globalSetup: ['test/support/services.setup.ts'],
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]] : ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.spec.ts', 'test/contracts/**/*.contract-spec.ts', 'test/lint/**/*.spec.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e-spec.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          // The protocol's e2e suites again, each app being two processes on one Redis bus
          // behind a balancer (see TestApp.start): every rule must hold across processes.
          name: 'e2e-cluster',
          include: ['test/e2e/{users,messages,websocket,spec-client-defaults,socket-v2}.e2e-spec.ts'],
          env: { COHORA_TEST_LAYOUT: 'two-processes' },
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          // The same suites through Debian's nginx with the shipped deploy/nginx/cohora.conf.
          name: 'e2e-nginx',
          include: ['test/e2e/{users,messages,websocket}.e2e-spec.ts'],
          env: { COHORA_TEST_LAYOUT: 'nginx' },
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});

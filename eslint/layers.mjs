// The layering of docs/architecture.md, enforced: features -> ports <- adapters; the SDK and
// the shared protocol import no server code. eslint-plugin-boundaries classifies each file by
// its folder and refuses an import that crosses a line below. Spec files follow it too: they
// wire their units from test/fakes, which no layer claims.
import { fileURLToPath } from 'node:url';
import boundaries from 'eslint-plugin-boundaries';

const resolver = fileURLToPath(import.meta.resolve('./ts-source-resolver.cjs'));

/** Each folder of src/ and its layer. */
const elements = [
  { type: 'protocol', pattern: 'src/protocol' },
  { type: 'sdk', pattern: 'src/client' },
  { type: 'sdk-app', pattern: 'src/cli' },
  { type: 'sdk-app', pattern: 'src/web' },
  { type: 'port', pattern: 'src/ports' },
  { type: 'adapter', pattern: 'src/storage' },
  { type: 'adapter', pattern: 'src/bus' },
  { type: 'adapter', pattern: 'src/redis' },
  { type: 'feature', pattern: 'src/users' },
  { type: 'feature', pattern: 'src/messages' },
  { type: 'feature', pattern: 'src/health' },
  { type: 'feature', pattern: 'src/idempotency' },
  { type: 'feature', pattern: 'src/directory' },
  { type: 'feature', pattern: 'src/presence' },
  { type: 'platform', pattern: 'src/config' },
  { type: 'platform', pattern: 'src/common' },
  { type: 'platform', pattern: 'src/logging' },
  { type: 'platform', pattern: 'src/metrics' },
  { type: 'platform', pattern: 'src/rate-limit' },
  { type: 'platform', pattern: 'src/security' },
  // Last: what no folder above claims, main.ts, app.module.ts and app.setup.ts, the composition root.
  { type: 'root', pattern: 'src' },
];

const server = ['port', 'adapter', 'feature', 'platform', 'root'];

/** From each layer, the layers it must not import. */
const forbidden = {
  // The kernel both sides share: nothing but itself.
  protocol: ['sdk', 'sdk-app', ...server],
  // Runs in a browser: the protocol and itself, no server code.
  sdk: ['sdk-app', ...server],
  'sdk-app': server,
  // A port names a role: no technology, no feature, no wiring.
  port: ['adapter', 'feature', 'platform', 'root', 'sdk', 'sdk-app'],
  // Infrastructure knows ports, never the features that use them.
  adapter: ['feature', 'root', 'sdk', 'sdk-app'],
  // Features ask for ports; AppModule picks the adapters.
  feature: ['adapter', 'root', 'sdk', 'sdk-app'],
  platform: ['root', 'sdk', 'sdk-app'],
};

export const layers = {
  files: ['src/**/*.ts'],
  plugins: { boundaries },
  settings: {
    'boundaries/elements': elements,
    'import/resolver': { [resolver]: {} },
  },
  rules: {
    'boundaries/dependencies': [
      'error',
      {
        default: 'allow',
        policies: Object.entries(forbidden).map(([from, to]) => ({
          from: { element: { type: from } },
          disallow: { to: { element: { types: { anyOf: to } } } },
        })),
      },
    ],
  },
};

// Type-aware lint: a dropped promise in a socket handler is a lost error, so the promise rules are errors.
// The layering of docs/architecture.md is a rule too (layers.mjs): an import across it fails the lint.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layers } from './eslint/layers.mjs';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'bench/', 'test-results/', '**/*.cjs', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/require-await': 'error',
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  layers,
  // The worker threads' entries (src/**/*.thread.mjs) are plain JavaScript: no type information.
  { files: ['eslint.config.mjs', 'eslint/*.mjs', 'src/**/*.thread.mjs'], ...tseslint.configs.disableTypeChecked },
);

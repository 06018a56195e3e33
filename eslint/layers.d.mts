import type { Linter } from 'eslint';

/** The import-boundary config of layers.mjs (for the test that runs it). */
export declare const layers: Linter.Config;

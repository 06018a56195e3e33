// Resolves this repository's relative imports for eslint-plugin-boundaries (an
// eslint-module-utils resolver, interface version 2). The sources import `./x.js`, as Node's
// ESM needs, while the file on disk is `./x.ts`; the stock node resolver cannot see that.
// Packages stay unresolved: the boundaries are drawn between this repository's own folders.
const { existsSync, statSync } = require('node:fs');
const { dirname, resolve } = require('node:path');

exports.interfaceVersion = 2;

exports.resolve = (source, file) => {
  if (!source.startsWith('.')) return { found: false };
  const target = resolve(dirname(file), source);
  const candidates = [target.replace(/\.(m|c)?js$/, '.$1ts'), target, `${target}.ts`];
  const path = candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
  return path ? { found: true, path } : { found: false };
};

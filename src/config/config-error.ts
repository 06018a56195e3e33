/** A configuration value that cannot be used; main.ts prints it as one line and exits 1. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

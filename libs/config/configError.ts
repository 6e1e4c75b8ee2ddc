/** A setting that is missing or wrong, named by its key; the process stops with this message. */
export class ConfigError extends Error {
  constructor(readonly key: string, reason: string) {
    super(`invalid configuration: ${key}: ${reason}`);
    this.name = 'ConfigError';
  }
}

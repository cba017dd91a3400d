/** Start-up configuration is wrong; the message names every bad or missing variable at once. */
export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: { key: string; message: string }[],
  ) {
    super(`Invalid configuration for ${service}:\n${problems.map((p) => `  - ${p.key}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** One error for every bad setting, so an operator fixes them all in one go. */
export interface ConfigViolation {
  /** Where the value came from, e.g. `VNF_AGENT_HTTP_PORT` or `--http-port`. */
  readonly source: string;
  readonly reason: string;
}

export class ConfigError extends Error {
  readonly violations: readonly ConfigViolation[];

  constructor(violations: readonly ConfigViolation[]) {
    super(
      `invalid configuration (${violations.length} problem${violations.length === 1 ? '' : 's'}):\n` +
        violations.map((v) => `  - ${v.source}: ${v.reason}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.violations = violations;
  }
}

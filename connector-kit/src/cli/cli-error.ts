/**
 * An error the CLI prints as one plain sentence and exits with `exitCode` (1: the command ran
 * and found problems or failed; 2: bad usage).
 *
 * @example
 * ```ts
 * throw new CliError('No package.json in ./acme; run this in a plugin folder.', 2);
 * ```
 */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

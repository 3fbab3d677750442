import { CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { createProgram } from './program.js';

/**
 * Runs the CLI with `argv` and resolves to the exit code: 0 ok, 1 problems or failure,
 * 2 bad usage.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv);
 * ```
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  let code = 0;
  const io = { out: (l: string) => console.log(l), err: (l: string) => console.error(l) };
  const program = createProgram(io, (c) => {
    code = c;
  });
  program.exitOverride();
  for (const command of program.commands) command.exitOverride();
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof CliError) {
      io.err(`junction-kit: ${error.message}`);
      return error.exitCode;
    }
    io.err(`junction-kit: ${(error as Error).message ?? String(error)}`);
    return 1;
  }
}

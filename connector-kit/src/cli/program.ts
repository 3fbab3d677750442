import { Command } from 'commander';
import { CONTRACT_VERSION } from '../contract-version.js';
import { initCommand } from './init-command.js';
import { packCommand } from './pack-command.js';
import { testCommand } from './test-command.js';
import { validateCommand } from './validate-command.js';

/**
 * Where the CLI writes; replaced in tests.
 *
 * @example
 * ```ts
 * createProgram({ out: console.log, err: console.error }, (code) => { process.exitCode = code; });
 * ```
 */
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/**
 * Builds the `junction-kit` program. Actions set `process.exitCode`-style results through
 * `setExit`; nothing runs until `parseAsync` is called.
 *
 * @example
 * ```ts
 * let code = 0;
 * await createProgram(io, (c) => { code = c; }).parseAsync(['node', 'junction-kit', 'validate', '.']);
 * ```
 */
export function createProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('junction-kit')
    .description('Author, check and pack Junction connector plugins.')
    .version(`connector-kit contract ${CONTRACT_VERSION}`, '-v, --version')
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('init')
    .description('Create a new connector plugin package that builds and passes its tests.')
    .argument('<name>', 'connector id in lowercase kebab-case, e.g. acme-crm')
    .option('-d, --dir <dir>', 'folder to create (default: ./<name>)')
    .action(async (name: string, options: { dir?: string }) => {
      const dir = await initCommand(name, options);
      io.out(`Created ${dir}. Next: cd into it, npm install, npm run build, npm test.`);
    });

  program
    .command('validate')
    .description('Load the built connector and print every problem (exit code 1 if any).')
    .argument('[dir]', 'plugin folder', '.')
    .action(async (dir: string) => setExit(await validateCommand(dir, io.out)));

  program
    .command('test')
    .description("Run the plugin's tests once with vitest.")
    .argument('[dir]', 'plugin folder', '.')
    .action(async (dir: string) => setExit(await testCommand(dir, [])));

  program
    .command('pack')
    .description('Write junction.manifest.json and create the plugin tarball with its integrity.')
    .argument('[dir]', 'plugin folder', '.')
    .action(async (dir: string) => {
      const { file, integrity } = await packCommand(dir);
      io.out(file);
      io.out(integrity);
    });

  return program;
}

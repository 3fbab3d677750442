import { Command } from 'commander';
import { CONTRACT_VERSION } from '../contract-version.js';
import {
  type FromOpenApiOptions as FromOpenApiOptionsInput,
  fromOpenApiCommand,
} from './from-openapi-command.js';
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
    .command('from-openapi')
    .description(
      'Generate a connector package from an OpenAPI 3.0/3.1 document (JSON or YAML): one action per operation.',
    )
    .argument('<spec>', 'the OpenAPI document file')
    .option(
      '-o, --operations <list>',
      'comma-separated operation ids, patterns ("issues/*") or tags ("tag:issues"); default: all',
    )
    .option('--out <dir>', 'folder to create (default: ./<id>)')
    .option('--id <id>', 'connector id in kebab-case (default: from the title)')
    .option(
      '--auth <kind>',
      'auth instead of the security schemes: none, bearer, basic, header:<Name>, query:<name>',
    )
    .action(async (spec: string, options: FromOpenApiOptionsInput) => {
      const result = await fromOpenApiCommand(spec, options);
      io.out(
        `Created ${result.dir}: ${result.actions} action${result.actions === 1 ? '' : 's'} (${result.paginated} paginated), ${result.files} files, ${Math.round(result.bytes / 1024)} kB.`,
      );
      for (const note of result.notes.slice(0, 20)) io.out(`note: ${note}`);
      if (result.notes.length > 20) io.out(`note: ${result.notes.length - 20} more in README.md`);
      io.out('Next: cd into it, npm install, npm run build, npm run validate, npm run pack.');
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
    .description(
      'Rebuild the plugin from an empty build folder, validate it, write junction.manifest.json and create the plugin tarball with its integrity.',
    )
    .argument('[dir]', 'plugin folder', '.')
    .option('--no-build', 'pack what is built, refusing a build older than src/')
    .action(async (dir: string, options: { build: boolean }) => {
      const { file, integrity } = await packCommand(dir, { build: options.build });
      io.out(file);
      io.out(integrity);
    });

  return program;
}

import { Command, Option } from 'commander';
import { configOptions } from '../config/config-options.js';
import { junctionVersion } from '../version.js';

const environmentHelp = `
Configuration comes from flags, then environment variables, then defaults:
${configOptions.map((o) => `  ${o.env.padEnd(34)} ${o.description}`).join('\n')}
`;

/** Adds the flags of the given configuration keys to a command. */
function withConfigFlags(command: Command, keys: readonly string[]): Command {
  for (const option of configOptions) {
    if (!option.flag || !keys.includes(option.key)) continue;
    command.addOption(new Option(option.flag, `${option.description} [env ${option.env}]`));
  }
  return command;
}

/** The `junction` command line. */
export function createProgram(): Command {
  const program = new Command('junction')
    .description('Junction: an integration platform that keeps systems of record in sync.')
    .version(junctionVersion(), '-v, --version', 'print the version')
    .showHelpAfterError('(run junction --help for usage)')
    .addHelpText('after', environmentHelp);

  const start = new Command('start')
    .description(
      'start the HTTP API and the workers (embedded PostgreSQL when DATABASE_URL is unset)',
    )
    .addHelpText('after', environmentHelp)
    .action(async (options: Record<string, unknown>) => {
      // Loaded on use, so that --help and version answer at once.
      const { startCommand } = await import('./start-command.js');
      await startCommand(options);
    });
  program.addCommand(
    withConfigFlags(start, [
      'port',
      'host',
      'databaseUrl',
      'dataDir',
      'role',
      'logLevel',
      'workerConcurrency',
      'workerPollIntervalMs',
      'shutdownTimeoutMs',
    ]),
  );

  const migrate = new Command('migrate')
    .description('apply pending database migrations, then exit')
    .option(
      '--grant <role>',
      "after migrating, grant this runtime role what Junction's processes need (rows, no schema changes, the audit trail append-only)",
    )
    .action(async (options: Record<string, unknown>) => {
      const { migrateCommand } = await import('./migrate-command.js');
      await migrateCommand(options);
    });
  program.addCommand(withConfigFlags(migrate, ['databaseUrl', 'dataDir', 'logLevel']));

  const audit = new Command('audit').description('inspect the audit trail');
  const auditVerify = new Command('verify')
    .description('walk the audit hash chain; exit 1 and name the entry at the first broken link')
    .action(async (options: Record<string, unknown>) => {
      const { auditVerifyCommand } = await import('./audit-command.js');
      await auditVerifyCommand(options);
    });
  audit.addCommand(withConfigFlags(auditVerify, ['databaseUrl', 'dataDir', 'logLevel']));
  program.addCommand(audit);

  const plugin = new Command('plugin').description(
    "install, list, inspect, trust and remove connector plugins (on the database directly; a running Junction's own, never stopped)",
  );
  plugin
    .command('install <source>')
    .description(
      'install from a folder, a .tgz, an npm spec (name@range) or, with --index, an index entry (id[@range])',
    )
    .option('--index <location>', 'plugin index JSON (file path or http(s) URL)')
    .option('--integrity <sri>', 'expected sha512 integrity of the tarball')
    .action(async (source: string, options: Record<string, unknown>, command: Command) => {
      const { pluginInstallCommand } = await import('./plugin-command.js');
      await pluginInstallCommand(source, { ...command.parent?.opts(), ...options });
    });
  plugin
    .command('list')
    .description('list built-in and installed plugin versions')
    .action(async (_options: Record<string, unknown>, command: Command) => {
      const { pluginListCommand } = await import('./plugin-command.js');
      await pluginListCommand({ ...command.parent?.opts() });
    });
  plugin
    .command('info <id>')
    .description('show every version of a plugin with its source, integrity and status')
    .action(async (id: string, _options: Record<string, unknown>, command: Command) => {
      const { pluginInfoCommand } = await import('./plugin-command.js');
      await pluginInfoCommand(id, { ...command.parent?.opts() });
    });
  plugin
    .command('remove <id> <version>')
    .description('uninstall a plugin version (refused while integrations pin it)')
    .action(
      async (id: string, version: string, _options: Record<string, unknown>, command: Command) => {
        const { pluginRemoveCommand } = await import('./plugin-command.js');
        await pluginRemoveCommand(id, version, { ...command.parent?.opts() });
      },
    );
  for (const trusted of [true, false]) {
    plugin
      .command(`${trusted ? 'trust' : 'distrust'} <id@version>`)
      .description(
        trusted
          ? "let one exact installed version run in Junction's own process (audited; see docs/security.md)"
          : 'run one installed version isolated in plugin hosts again (audited)',
      )
      .action(async (argument: string, _options: Record<string, unknown>, command: Command) => {
        const { pluginTrustCommand } = await import('./plugin-command.js');
        await pluginTrustCommand(argument, trusted, { ...command.parent?.opts() });
      });
  }
  program.addCommand(withConfigFlags(plugin, ['databaseUrl', 'dataDir', 'logLevel']));

  const db = new Command('db').description('the database Junction uses (for tools such as psql)');
  db.command('url')
    .description(
      'print the URL of the database: DATABASE_URL, else the embedded PostgreSQL of the data folder (its port is kept from one start to the next); exits 1, saying why, when that server is not running',
    )
    .action(async (_options: Record<string, unknown>, command: Command) => {
      const { dbUrlCommand } = await import('./db-command.js');
      await dbUrlCommand({ ...command.parent?.opts() });
    });
  program.addCommand(withConfigFlags(db, ['databaseUrl', 'dataDir']));

  program
    .command('version')
    .description('print the version')
    .action(() => {
      process.stdout.write(`${junctionVersion()}\n`);
    });

  return program;
}

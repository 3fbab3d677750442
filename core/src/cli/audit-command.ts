import { verifyAuditChain } from '../audit/verify-audit-chain.js';
import { createLogger } from '../log/create-logger.js';
import { configFromFlags } from './flags.js';
import { openCommandDatabase } from './open-command-database.js';

/**
 * `junction audit verify`: walks the hash chain; prints a plain sentence and exits with 1 when a
 * link is broken.
 */
export async function auditVerifyCommand(options: Record<string, unknown>): Promise<void> {
  const config = configFromFlags(options);
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const { database, close } = await openCommandDatabase(config, logger, 'audit verify');
  try {
    const result = await verifyAuditChain(database.db);
    const unsealed =
      result.unsealed === 0
        ? 'no entries are waiting to be sealed'
        : `${result.unsealed} ${result.unsealed === 1 ? 'entry is' : 'entries are'} not sealed yet (the sealer links them within seconds while a worker runs)`;
    if (result.brokenLink) {
      process.stdout.write(`${result.brokenLink.message}\n`);
      const before = result.checked - 1;
      process.stdout.write(
        `${before} ${before === 1 ? 'entry before it verifies' : 'entries before it verify'}; ${unsealed}.\n`,
      );
      process.exitCode = 1;
      return;
    }
    const head = result.head ? ` Head: #${result.head.seq} ${result.head.hash}.` : '';
    process.stdout.write(
      `The audit chain is intact: ${result.checked} sealed ${result.checked === 1 ? 'entry' : 'entries'} verified; ${unsealed}.${head}\n`,
    );
  } finally {
    await close();
  }
}

import { createJunction } from '../junction.js';
import { configFromFlags } from './flags.js';
import { onLauncherGone } from './on-launcher-gone.js';

function showAdminToken(token: string): void {
  process.stdout.write(
    [
      '',
      '  A new admin API token was generated. It is shown this once; keep it safe:',
      '',
      `    ${token}`,
      '',
      '  Use it as "Authorization: Bearer <token>" on /v1 routes.',
      '  Set JUNCTION_ADMIN_TOKEN to use a token of your own instead.',
      '',
      '',
    ].join('\n'),
  );
}

/**
 * `junction start`: runs until SIGINT or SIGTERM (or, under `npm start`, until npm is gone), then
 * shuts down gracefully.
 */
export async function startCommand(options: Record<string, unknown>): Promise<void> {
  const config = configFromFlags(options);
  const junction = await createJunction(config, { onAdminTokenCreated: showAdminToken });
  const { logger } = junction;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals | 'npm exited') => {
    // Ctrl-C under npm start reaches npm too, which may exit while Junction drains: not a
    // second signal (that one means exit now).
    if (signal === 'npm exited' && signals > 0) return;
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'shutting down');
    junction.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  onLauncherGone(() => onSignal('npm exited'));
  if (junction.url)
    process.stdout.write(
      `Junction is listening on ${junction.url} (API reference: ${junction.url}/docs)\n`,
    );
}

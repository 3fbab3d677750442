import pg from 'pg';
import type { Logger } from '../log/create-logger.js';

/** The channel every install, removal, enable and disable is announced on. */
export const PLUGIN_CHANNEL = 'junction_plugins';

/** A running LISTEN on {@link PLUGIN_CHANNEL}. */
export interface PluginListener {
  close(): Promise<void>;
}

/**
 * LISTENs on `junction_plugins` on a dedicated connection and calls `onChange` for every
 * notification, and after every (re)connection (notifications may have been missed). Reconnects
 * with backoff (0.5 s doubling to 10 s) when the connection drops.
 */
export function startPluginListener(options: {
  readonly connectionString: string;
  readonly logger: Logger;
  readonly onChange: () => void;
}): PluginListener {
  const { connectionString, logger, onChange } = options;
  let closed = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let delay = 500;

  const connect = async () => {
    if (closed) return;
    const next = new pg.Client({ connectionString, application_name: 'junction-plugins' });
    const retry = () => {
      if (closed || client !== next) return;
      client = undefined;
      next.removeAllListeners();
      next.on('error', () => {});
      next.end().catch(() => {});
      timer = setTimeout(() => void connect(), delay);
      delay = Math.min(delay * 2, 10_000);
    };
    client = next;
    next.on('error', (error) => {
      logger.warn({ err: error.message }, 'plugin listener connection lost; reconnecting');
      retry();
    });
    next.on('end', retry);
    next.on('notification', (message) => {
      if (message.channel === PLUGIN_CHANNEL) onChange();
    });
    try {
      await next.connect();
      await next.query(`listen ${PLUGIN_CHANNEL}`);
      delay = 500;
      onChange();
    } catch (error) {
      // Closed while connecting (a one-shot command that is done): nothing to report.
      if (closed || client !== next) return;
      logger.warn({ err: (error as Error).message }, 'plugin listener cannot connect; retrying');
      retry();
    }
  };
  void connect();

  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const current = client;
      client = undefined;
      if (current) {
        current.removeAllListeners();
        current.on('error', () => {});
        await current.end().catch(() => {});
      }
    },
  };
}

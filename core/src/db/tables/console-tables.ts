import type { Timestamp } from './column-types.js';

/** A console sign-in: the cookie holds the session id, this row only its SHA-256. */
export interface ConsoleSessionsTable {
  id_hash: Buffer;
  /** The API token the session was opened with (`admin-env` for JUNCTION_ADMIN_TOKEN). */
  token_id: string;
  /** What every console form sends back (CSRF), compared with this. */
  csrf: string;
  created_at: Timestamp;
  seen_at: Timestamp;
  expires_at: Timestamp;
}

export interface ConsoleTables {
  console_sessions: ConsoleSessionsTable;
}

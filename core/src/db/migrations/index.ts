import type { Migration } from 'kysely';
import * as m0001 from './0001-foundation.js';
import * as m0002 from './0002-audit.js';
import * as m0003 from './0003-audit-chain.js';
import * as m0004 from './0004-plugins.js';
import * as m0005 from './0005-configuration.js';
import * as m0006 from './0006-runs.js';
import * as m0007 from './0007-run-jobs.js';
import * as m0008 from './0008-run-replays-index.js';
import * as m0009 from './0009-runs-event-unchecked.js';
import * as m0010 from './0010-unknown-outcome.js';
import * as m0011 from './0011-oauth-and-subscriptions.js';
import * as m0012 from './0012-rate-limits.js';
import * as m0013 from './0013-waits-and-reviews.js';
import * as m0014 from './0014-lane-holds.js';
import * as m0015 from './0015-hot-path-indexes.js';
import * as m0016 from './0016-retention.js';
import * as m0017 from './0017-least-privilege.js';
import * as m0018 from './0018-plugin-trust.js';
import * as m0019 from './0019-rollout.js';
import * as m0020 from './0020-console-sessions.js';
import * as m0022 from './0022-syncs.js';
import * as m0023 from './0023-sync-last-run.js';
import * as m0024 from './0024-sync-backfill-reconcile.js';
import * as m0026 from './0026-vacuum-settings.js';
import * as m0027 from './0027-pending-runs.js';
import * as m0028 from './0028-sync-vacuum-settings.js';
import * as m0029 from './0029-reconciliation-resume.js';
import * as m0030 from './0030-sync-backfill-batches.js';
import * as m0031 from './0031-sync-backfill-batch-body.js';

/**
 * Junction's migrations, forward-only, in order. A new migration is a new file added at the end;
 * a released migration is never edited.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001-foundation': m0001,
  '0002-audit': m0002,
  '0003-audit-chain': m0003,
  '0004-plugins': m0004,
  '0005-configuration': m0005,
  '0006-runs': m0006,
  '0007-run-jobs': m0007,
  '0008-run-replays-index': m0008,
  '0009-runs-event-unchecked': m0009,
  '0010-unknown-outcome': m0010,
  '0011-oauth-and-subscriptions': m0011,
  '0012-rate-limits': m0012,
  '0013-waits-and-reviews': m0013,
  '0014-lane-holds': m0014,
  '0015-hot-path-indexes': m0015,
  '0016-retention': m0016,
  '0017-least-privilege': m0017,
  '0018-plugin-trust': m0018,
  '0019-rollout': m0019,
  '0020-console-sessions': m0020,
  '0022-syncs': m0022,
  '0023-sync-last-run': m0023,
  '0024-sync-backfill-reconcile': m0024,
  '0026-vacuum-settings': m0026,
  '0027-pending-runs': m0027,
  '0028-sync-vacuum-settings': m0028,
  '0029-reconciliation-resume': m0029,
  '0030-sync-backfill-batches': m0030,
  '0031-sync-backfill-batch-body': m0031,
};

import type { Kysely, Transaction } from 'kysely';
import { ConfigProblem } from '../connections/config-problem.js';
import type { Actor } from '../connections/connection-store.js';
import type { ConnectorSource } from '../connectors/connector-source.js';
import type { Database } from '../db/schema.js';
import { hookPath, issueHookToken, readHookToken } from '../engine/hook-tokens.js';
import { syncPollSchedule } from '../engine/poll-schedule.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { queueSubscriptionSync } from '../subscriptions/subscription-sync.js';
import { type SubscriptionView, subscriptionOf } from '../subscriptions/subscription-view.js';
import type { VersionedRow } from '../versioned/versioned-kinds.js';
import { createVersionedStore, type VersionedView } from '../versioned/versioned-store.js';
import type { IntegrationDefinition } from './integration-definition.js';
import { validateIntegration } from './validate-integration.js';

export type IntegrationRow = VersionedRow<'integration'>;

export interface IntegrationView extends VersionedView<IntegrationDefinition> {
  /** Where the trigger's system posts webhooks (POST, no token needed; keep it private). */
  readonly webhookPath: string | null;
  /** The webhook Junction registered at the trigger's system, if its trigger subscribes. */
  readonly subscription: SubscriptionView | null;
}

export function createIntegrationStore(deps: {
  db: Kysely<Database>;
  connectors: ConnectorSource;
  box: SecretBox;
}) {
  const { db, connectors, box } = deps;

  /** Validates against installed connectors and stored connections; pins connector versions. */
  async function check(definition: IntegrationDefinition): Promise<IntegrationDefinition> {
    const ids = new Set<string>();
    if (definition.trigger.connection) ids.add(definition.trigger.connection);
    for (const route of definition.routes) {
      for (const step of route.steps)
        if (step.kind === 'action' && step.connection) ids.add(step.connection);
    }
    const rows = ids.size
      ? await db
          .selectFrom('connections')
          .select(['id', 'connector_id'])
          .where('id', 'in', [...ids])
          .execute()
      : [];
    const byId = new Map(rows.map((r) => [r.id, { connector: r.connector_id }]));
    const { problems, pinned } = validateIntegration(definition, connectors, (id) => byId.get(id));
    if (problems.length > 0) throw new ConfigProblem(problems);
    return pinned;
  }

  /** The connectors and connections a version uses, so that their removal can be refused. */
  async function saveDependencies(
    trx: Transaction<Database>,
    id: string,
    version: number,
    definition: IntegrationDefinition,
  ) {
    const refs = [
      definition.trigger,
      ...definition.routes.flatMap((r) => r.steps.filter((s) => s.kind === 'action')),
    ];
    await trx
      .insertInto('integration_dependencies')
      .values(
        refs.map((ref) => ({
          integration_id: id,
          version,
          connector_id: ref.connector,
          connector_version: ref.version ?? '',
          connection_id: ref.connection ?? null,
        })),
      )
      .execute();
  }

  /** Polling and the webhook subscription follow the current version and the enabled flag. */
  async function follow(trx: Transaction<Database>, id: string, immediately: boolean) {
    await syncPollSchedule(trx, connectors, id, { immediately });
    await queueSubscriptionSync(trx, connectors, id);
  }

  const versioned = createVersionedStore({
    db,
    kind: 'integration',
    check,
    fields: () => ({}),
    details: async (row) => ({
      webhookPath: await readHookToken(db, box, row.id).then((t) => (t ? hookPath(t) : null)),
      subscription: await subscriptionOf(db, row.id),
    }),
    on: {
      saved: saveDependencies,
      created: async (trx, id) => {
        await issueHookToken(trx, box, id);
      },
      updated: (trx, id) => follow(trx, id, false),
      enabled: follow,
    },
  });
  const { view, definitionOf } = versioned;

  return {
    ...versioned,
    check,

    /**
     * Moves every use of `connectorId` to `version` and saves that as a new version, after the
     * whole definition is checked again against the new version's schemas.
     */
    async upgrade(
      row: IntegrationRow,
      connectorId: string,
      version: string,
      by: Actor,
    ): Promise<IntegrationView> {
      const current = await definitionOf(row.id, row.current_version);
      const next = structuredClone(current);
      let uses = 0;
      for (const ref of [
        next.trigger,
        ...next.routes.flatMap((r) => r.steps.filter((s) => s.kind === 'action')),
      ]) {
        if (ref.connector === connectorId) {
          ref.version = version;
          uses += 1;
        }
      }
      if (uses === 0) {
        throw new ConfigProblem([
          { pointer: '/connector', detail: `the integration does not use "${connectorId}"` },
        ]);
      }
      return versioned.update(row, next, by);
    },

    /** Replaces the webhook URL's token: the old URL stops working at once. */
    async rotateHook(row: IntegrationRow, by: Actor): Promise<IntegrationView> {
      await db.transaction().execute(async (trx) => {
        await issueHookToken(trx, box, row.id);
        await queueSubscriptionSync(trx, connectors, row.id);
        await versioned.audit(trx, by, 'hook.rotate', row.id);
      });
      return view(row);
    },
  };
}

export type IntegrationStore = ReturnType<typeof createIntegrationStore>;

import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import { ConfigProblem } from '../connections/config-problem.js';
import type { Actor } from '../connections/connection-store.js';
import type { ConnectorSource } from '../connectors/connector-source.js';
import type { Database } from '../db/schema.js';
import type { IntegrationsTable } from '../db/tables/config-tables.js';
import { hookPath, issueHookToken, readHookToken } from '../engine/hook-tokens.js';
import { syncPollSchedule } from '../engine/poll-schedule.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { queueSubscriptionSync } from '../subscriptions/subscription-sync.js';
import { type SubscriptionView, subscriptionOf } from '../subscriptions/subscription-view.js';
import type { IntegrationDefinition } from './integration-definition.js';
import { validateIntegration } from './validate-integration.js';

export type IntegrationRow = Selectable<IntegrationsTable>;

export interface IntegrationView {
  readonly id: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly version: number;
  readonly revision: number;
  readonly definition: IntegrationDefinition;
  /** Where the trigger's system posts webhooks (POST, no token needed; keep it private). */
  readonly webhookPath: string | null;
  /** The webhook Junction registered at the trigger's system, if its trigger subscribes. */
  readonly subscription: SubscriptionView | null;
  readonly createdAt: string;
  readonly updatedAt: string;
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

  async function saveVersion(
    trx: Transaction<Database>,
    id: string,
    version: number,
    definition: IntegrationDefinition,
    by: Actor,
  ) {
    await trx
      .insertInto('integration_versions')
      .values({
        integration_id: id,
        version,
        definition: JSON.stringify(definition),
        created_by: by.actor,
      })
      .execute();
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

  async function definitionOf(id: string, version: number): Promise<IntegrationDefinition> {
    const row = await db
      .selectFrom('integration_versions')
      .select('definition')
      .where('integration_id', '=', id)
      .where('version', '=', version)
      .executeTakeFirstOrThrow();
    return row.definition as IntegrationDefinition;
  }

  async function view(row: IntegrationRow): Promise<IntegrationView> {
    return {
      id: row.id,
      name: row.name,
      enabled: row.enabled,
      version: row.current_version,
      revision: row.revision,
      definition: await definitionOf(row.id, row.current_version),
      webhookPath: await readHookToken(db, box, row.id).then((t) => (t ? hookPath(t) : null)),
      subscription: await subscriptionOf(db, row.id),
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }

  /** Applies a change to the integration row only if nobody changed it since `row` was read. */
  async function bump(
    trx: Transaction<Database>,
    row: IntegrationRow,
    set: Partial<{ name: string; enabled: boolean; current_version: number }>,
  ): Promise<IntegrationRow> {
    const updated = await trx
      .updateTable('integrations')
      .set((eb) => ({ ...set, revision: eb('revision', '+', 1), updated_at: new Date() }))
      .where('id', '=', row.id)
      .where('revision', '=', row.revision)
      .returningAll()
      .executeTakeFirst();
    if (!updated)
      throw new ConfigProblem([], 'The integration changed meanwhile; read it again.', 412);
    return updated;
  }

  return {
    view,
    definitionOf,
    check,

    get(id: string): Promise<IntegrationRow | undefined> {
      return db.selectFrom('integrations').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async create(definition: IntegrationDefinition, by: Actor): Promise<IntegrationView> {
      const pinned = await check(definition);
      const id = `int_${randomUUID()}`;
      const row = await db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('integrations')
          .values({ id, name: pinned.name, current_version: 1, created_by: by.actor })
          .returningAll()
          .executeTakeFirstOrThrow();
        await saveVersion(trx, id, 1, pinned, by);
        await issueHookToken(trx, box, id);
        await recordAudit(trx, {
          actor: by.actor,
          action: 'integration.create',
          subjectType: 'integration',
          subjectId: id,
          integrationId: id,
          requestId: by.requestId,
          data: { version: 1, after: pinned },
        });
        return inserted;
      });
      return view(row);
    },

    /** Saves `definition` as a new immutable version and makes it current. */
    async update(
      row: IntegrationRow,
      definition: IntegrationDefinition,
      by: Actor,
    ): Promise<IntegrationView> {
      const pinned = await check(definition);
      const before = await definitionOf(row.id, row.current_version);
      const version = row.current_version + 1;
      const updated = await db.transaction().execute(async (trx) => {
        const next = await bump(trx, row, { name: pinned.name, current_version: version });
        await saveVersion(trx, row.id, version, pinned, by);
        await syncPollSchedule(trx, connectors, row.id, { immediately: false });
        await queueSubscriptionSync(trx, connectors, row.id);
        await recordAudit(trx, {
          actor: by.actor,
          action: 'integration.update',
          subjectType: 'integration',
          subjectId: row.id,
          integrationId: row.id,
          requestId: by.requestId,
          data: { version, before, after: pinned },
        });
        return next;
      });
      return view(updated);
    },

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
      return this.update(row, next, by);
    },

    /** Replaces the webhook URL's token: the old URL stops working at once. */
    async rotateHook(row: IntegrationRow, by: Actor): Promise<IntegrationView> {
      await db.transaction().execute(async (trx) => {
        await issueHookToken(trx, box, row.id);
        await queueSubscriptionSync(trx, connectors, row.id);
        await recordAudit(trx, {
          actor: by.actor,
          action: 'integration.hook.rotate',
          subjectType: 'integration',
          subjectId: row.id,
          integrationId: row.id,
          requestId: by.requestId,
        });
      });
      return view(row);
    },

    async setEnabled(row: IntegrationRow, enabled: boolean, by: Actor): Promise<IntegrationView> {
      if (row.enabled === enabled) return view(row);
      const updated = await db.transaction().execute(async (trx) => {
        const next = await bump(trx, row, { enabled });
        await syncPollSchedule(trx, connectors, row.id, { immediately: enabled });
        await queueSubscriptionSync(trx, connectors, row.id);
        await recordAudit(trx, {
          actor: by.actor,
          action: enabled ? 'integration.enable' : 'integration.disable',
          subjectType: 'integration',
          subjectId: row.id,
          integrationId: row.id,
          requestId: by.requestId,
          data: { version: row.current_version },
        });
        return next;
      });
      return view(updated);
    },
  };
}

export type IntegrationStore = ReturnType<typeof createIntegrationStore>;

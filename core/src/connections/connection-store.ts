import { randomUUID } from 'node:crypto';
import {
  authFields,
  changedDestinations,
  type FieldSet,
  secretValues,
  validateFields,
} from '@junction/connector-kit';
import type { Kysely, Selectable } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import type { ConnectorSource, ResolvedConnector } from '../connectors/connector-source.js';
import type { Database } from '../db/schema.js';
import type { ConnectionsTable } from '../db/tables/config-tables.js';
import { redactorOf } from '../secrets/redactor-of.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { ConfigProblem } from './config-problem.js';
import { rateLimitSettingProblems } from './rate-limit-setting.js';
import { resolveCredentials } from './resolve-credentials.js';

export type ConnectionRow = Selectable<ConnectionsTable>;

/** A connection as the API shows it: secret values never appear, only whether each is set. */
export interface ConnectionView {
  readonly id: string;
  readonly name: string;
  readonly connector: string;
  readonly settings: Record<string, unknown>;
  /** Non-secret credential fields (user names, client ids). */
  readonly credentials: Record<string, unknown>;
  /** Each secret credential field: `set` or `unset`. */
  readonly secrets: Record<string, 'set' | 'unset'>;
  readonly revision: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ConnectionInput {
  readonly name?: string;
  readonly connector?: string;
  readonly credentials?: Record<string, unknown>;
  readonly settings?: Record<string, unknown>;
}

/** Who asks for a change, recorded with it. */
export interface Actor {
  readonly actor: string;
  readonly requestId?: string;
}

export function createConnectionStore(deps: {
  db: Kysely<Database>;
  box: SecretBox;
  connectors: ConnectorSource;
}) {
  const { db, box, connectors } = deps;

  function connectorOf(id: string, pointer: string): ResolvedConnector {
    const connector = connectors.get(id);
    if (!connector)
      throw new ConfigProblem([{ pointer, detail: `no connector "${id}" is installed` }]);
    return connector;
  }

  // Decrypted once per row read: runs reuse a connection's row for a second (see execute-run),
  // so a busy connection is decrypted about once a second instead of once a run.
  const opened = new WeakMap<ConnectionRow, Readonly<Record<string, unknown>>>();
  function credentialsOf(row: ConnectionRow): Record<string, unknown> {
    let credentials = opened.get(row);
    if (credentials === undefined) {
      credentials = Object.freeze(
        row.secrets ? (box.open(row.secrets) as Record<string, unknown>) : {},
      );
      opened.set(row, credentials);
    }
    return { ...credentials };
  }

  function view(row: ConnectionRow): ConnectionView {
    const fields = fieldsOf(row.connector_id);
    const stored = credentialsOf(row);
    const credentials: Record<string, unknown> = {};
    const secrets: Record<string, 'set' | 'unset'> = {};
    for (const [name, field] of Object.entries(fields)) {
      if (field.secret) secrets[name] = stored[name] === undefined ? 'unset' : 'set';
      else if (stored[name] !== undefined) credentials[name] = stored[name];
    }
    return {
      id: row.id,
      name: row.name,
      connector: row.connector_id,
      settings: row.settings,
      credentials,
      secrets,
      revision: row.revision,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }

  function fieldsOf(connectorId: string): FieldSet {
    const connector = connectors.get(connectorId);
    return connector ? authFields(connector.definition.auth) : {};
  }

  function check(connector: ResolvedConnector, credentials: Record<string, unknown>): void {
    const { problems } = validateFields(authFields(connector.definition.auth), credentials);
    if (problems.length > 0) {
      throw new ConfigProblem(
        problems.map((p) => ({ pointer: `/credentials${p.pointer}`, detail: p.message })),
      );
    }
  }

  /** Refuses settings Junction reads itself when they are malformed (`rateLimit`). */
  function checkSettings(settings: Record<string, unknown> | undefined): void {
    const problems = rateLimitSettingProblems(settings);
    if (problems.length > 0) throw new ConfigProblem(problems);
  }

  /**
   * Refuses a change of where the connection sends its credentials (its base URL's origin, a
   * database host...) unless every secret it keeps is given again in the same request: whoever
   * may edit a connection must not send its stored secrets to a host of their choosing.
   */
  function requireSecretsForNewDestination(
    connector: ResolvedConnector,
    row: ConnectionRow,
    input: ConnectionInput,
    credentials: Record<string, unknown>,
  ): void {
    const changed = changedDestinations(
      connector.definition,
      { credentials: credentialsOf(row), settings: row.settings },
      { credentials, settings: input.settings ?? row.settings },
    );
    if (changed.length === 0) return;
    const fields = authFields(connector.definition.auth);
    const kept = Object.keys(fields).filter(
      (name) =>
        fields[name]?.secret === true &&
        credentials[name] !== undefined &&
        credentials[name] !== '' &&
        (input.credentials?.[name] === undefined || input.credentials[name] === null),
    );
    if (kept.length === 0) return;
    const again = kept.map((name) => `credentials.${name}`).join(', ');
    throw new ConfigProblem(
      changed.map((pointer) => ({
        pointer,
        detail: `changes where this connection sends its credentials; give ${again} again in the same request`,
      })),
      `Changing where the connection sends its credentials needs its secrets again (${again}); nothing was changed.`,
    );
  }

  /** {@link resolveCredentials}, its errors (a token endpoint's words) without the secrets. */
  async function resolveRedacted(row: ConnectionRow, options?: { rejectedAccessToken?: string }) {
    try {
      return await resolveCredentials({ db, box, connectors, open: credentialsOf }, row, options);
    } catch (error) {
      const auth = connectors.get(row.connector_id)?.definition.auth;
      if (!auth || !(error instanceof Error)) throw error;
      throw redactorOf(secretValues(auth, credentialsOf(row))).error(error);
    }
  }

  function snapshot(v: ConnectionView) {
    return {
      name: v.name,
      connector: v.connector,
      settings: v.settings,
      credentials: v.credentials,
      secrets: v.secrets,
    };
  }

  return {
    view,
    credentialsOf,
    /**
     * Credentials ready to use: OAuth 2.0 tokens fetched or refreshed when due. A token
     * endpoint's refusal comes out without the connection's secrets in it.
     */
    resolve: resolveRedacted,

    /**
     * Calls a system with a connection's credentials; when an OAuth 2.0 connection's access token
     * is refused (an auth error with status 401), refreshes it once (single-flight, see
     * `resolveCredentials`) and calls again with the new one.
     */
    async callWith<R extends { readonly ok: boolean; readonly error?: unknown }>(
      row: ConnectionRow,
      call: (credentials: Record<string, unknown>) => Promise<R>,
    ): Promise<R> {
      const credentials = await resolveRedacted(row);
      const result = await call(credentials);
      const auth = connectors.get(row.connector_id)?.definition.auth;
      const error = result.error as { kind?: string; status?: number } | undefined;
      const token = credentials.accessToken;
      if (result.ok || auth?.kind !== 'oauth2' || typeof token !== 'string') return result;
      if (error?.kind !== 'auth' || error.status !== 401) return result;
      const fresh = await resolveRedacted(row, { rejectedAccessToken: token });
      return fresh.accessToken === token ? result : call(fresh);
    },

    async get(id: string): Promise<ConnectionRow | undefined> {
      return db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async create(
      input: Required<Pick<ConnectionInput, 'name' | 'connector'>> & ConnectionInput,
      by: Actor,
    ) {
      const connector = connectorOf(input.connector, '/connector');
      const credentials = input.credentials ?? {};
      check(connector, credentials);
      checkSettings(input.settings);
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('connections')
          .values({
            id: `con_${randomUUID()}`,
            name: input.name,
            connector_id: connector.id,
            settings: JSON.stringify(input.settings ?? {}),
            secrets: box.seal(credentials),
            secret_names: Object.keys(credentials),
            created_by: by.actor,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const after = view(row);
        await recordAudit(trx, {
          actor: by.actor,
          action: 'connection.create',
          subjectType: 'connection',
          subjectId: row.id,
          requestId: by.requestId,
          data: { after: snapshot(after) },
        });
        return after;
      });
    },

    /** Replaces name and settings when given; merges credentials (a null value removes one). */
    async update(row: ConnectionRow, input: ConnectionInput, by: Actor) {
      const connector = connectorOf(row.connector_id, '/connector');
      const credentials = { ...credentialsOf(row) };
      for (const [name, value] of Object.entries(input.credentials ?? {})) {
        if (value === null) delete credentials[name];
        else credentials[name] = value;
      }
      check(connector, credentials);
      checkSettings(input.settings);
      requireSecretsForNewDestination(connector, row, input, credentials);
      return db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('connections')
          .set((eb) => ({
            name: input.name ?? row.name,
            settings: JSON.stringify(input.settings ?? row.settings),
            secrets: box.seal(credentials),
            secret_names: Object.keys(credentials),
            revision: eb('revision', '+', 1),
            updated_at: new Date(),
          }))
          .where('id', '=', row.id)
          .where('revision', '=', row.revision)
          .returningAll()
          .executeTakeFirst();
        if (!updated)
          throw new ConfigProblem([], 'The connection changed meanwhile; read it again.', 412);
        const after = view(updated);
        await recordAudit(trx, {
          actor: by.actor,
          action: 'connection.update',
          subjectType: 'connection',
          subjectId: row.id,
          requestId: by.requestId,
          data: { before: snapshot(view(row)), after: snapshot(after) },
        });
        return after;
      });
    },

    async remove(row: ConnectionRow, by: Actor) {
      await db.transaction().execute(async (trx) => {
        const users = await trx
          .selectFrom('integration_dependencies')
          .innerJoin('integrations', 'integrations.id', 'integration_dependencies.integration_id')
          .select(['integrations.id', 'integrations.name'])
          .distinct()
          .where('connection_id', '=', row.id)
          .whereRef('integration_dependencies.version', '=', 'integrations.current_version')
          .execute();
        if (users.length > 0) {
          throw new ConfigProblem(
            [],
            `The connection is used by ${users.length} integration(s): ${users.map((u) => `${u.name} (${u.id})`).join(', ')}.`,
            409,
            { integrations: users },
          );
        }
        const deleted = await trx
          .deleteFrom('connections')
          .where('id', '=', row.id)
          .where('revision', '=', row.revision)
          .executeTakeFirst();
        if (deleted.numDeletedRows === 0n) {
          throw new ConfigProblem([], 'The connection changed meanwhile; read it again.', 412);
        }
        await recordAudit(trx, {
          actor: by.actor,
          action: 'connection.delete',
          subjectType: 'connection',
          subjectId: row.id,
          requestId: by.requestId,
          data: { before: snapshot(view(row)) },
        });
      });
    },
  };
}

export type ConnectionStore = ReturnType<typeof createConnectionStore>;

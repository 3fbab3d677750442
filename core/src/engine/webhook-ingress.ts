import type { WebhookOutcome, WebhookRequest } from '@junction/connector-kit';
import type { Kysely } from 'kysely';
import type { ConnectionStore } from '../connections/connection-store.js';
import type { ConnectorSource, ResolvedConnector } from '../connectors/connector-source.js';
import type { Database } from '../db/schema.js';
import type { PluginExecutor } from '../executor/plugin-executor.js';
import type { IntegrationDefinition } from '../integrations/integration-definition.js';
import type { EventIngestor, IngestOutcome } from './event-ingestor.js';
import { hashHookToken } from './hook-tokens.js';
import { textProblem, type UnstorablePart, unstorablePart } from './unstorable-part.js';

export type WebhookResult =
  | { readonly kind: 'accepted'; readonly events: readonly IngestOutcome[] }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'disabled' }
  /** The integration's rollout stage is `off`: it accepts no events. */
  | { readonly kind: 'off' }
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'unstorable'; readonly part: UnstorablePart; readonly event: number }
  | { readonly kind: 'failed'; readonly retryable: boolean; readonly message: string };

interface Target {
  readonly integrationId: string;
  readonly enabled: boolean;
  /** The rollout stage is `off`. */
  readonly off: boolean;
  readonly definition: IntegrationDefinition;
  readonly connector: ResolvedConnector | undefined;
  readonly credentials: Record<string, unknown>;
  readonly connection: { id: string; name: string; settings: Record<string, unknown> };
}

/**
 * `POST /hooks/{token}`: finds the integration by its token, lets the trigger's connector verify
 * and parse the request, and stores the events (group commit) before answering.
 */
export function createWebhookIngress(deps: {
  db: Kysely<Database>;
  connectors: ConnectorSource;
  connections: ConnectionStore;
  executor: PluginExecutor;
  ingestor: EventIngestor;
  /** How long a token's integration, definition and credentials are reused (ms). */
  cacheMs?: number;
  /** Deepest nesting of an event's data (JUNCTION_JSON_MAX_DEPTH; 64 unless given). */
  jsonMaxDepth?: number;
}) {
  const maxDepth = deps.jsonMaxDepth ?? 64;
  const cacheMs = deps.cacheMs ?? 1000;
  // Promises are cached, so that concurrent requests for one token share one lookup.
  const cache = new Map<string, { target: Promise<Target | undefined>; until: number }>();

  function resolve(token: string): Promise<Target | undefined> {
    const key = hashHookToken(token);
    const cacheKey = key.toString('hex');
    const hit = cache.get(cacheKey);
    if (hit && hit.until > Date.now()) return hit.target;
    if (cache.size > 10_000) cache.clear();
    const target = lookup(key).catch((error: unknown) => {
      cache.delete(cacheKey);
      throw error;
    });
    cache.set(cacheKey, { target, until: Date.now() + cacheMs });
    return target;
  }

  async function lookup(key: Buffer): Promise<Target | undefined> {
    const row = await deps.db
      .selectFrom('integration_hooks as h')
      .innerJoin('integrations as i', 'i.id', 'h.integration_id')
      .innerJoin('integration_versions as v', (j) =>
        j.onRef('v.integration_id', '=', 'i.id').onRef('v.version', '=', 'i.current_version'),
      )
      .leftJoin('integration_rollouts as ro', 'ro.integration_id', 'i.id')
      .select(['i.id', 'i.enabled', 'v.definition', 'ro.stage'])
      .where('h.token_hash', '=', key)
      .executeTakeFirst();
    let target: Target | undefined;
    if (row) {
      const definition = row.definition as IntegrationDefinition;
      const connectionRow = definition.trigger.connection
        ? await deps.connections.get(definition.trigger.connection)
        : undefined;
      target = {
        integrationId: row.id,
        enabled: row.enabled,
        off: row.stage === 'off',
        definition,
        connector: deps.connectors.get(definition.trigger.connector, definition.trigger.version),
        credentials: connectionRow ? deps.connections.credentialsOf(connectionRow) : {},
        connection: {
          id: connectionRow?.id ?? 'none',
          name: connectionRow?.name ?? 'none',
          settings: connectionRow?.settings ?? {},
        },
      };
    }
    return target;
  }

  /** Why events were refused that the cached lookup let through: disabled or off meanwhile. */
  async function refusalOf(integrationId: string): Promise<WebhookResult> {
    const row = await deps.db
      .selectFrom('integration_rollouts')
      .select('stage')
      .where('integration_id', '=', integrationId)
      .executeTakeFirst();
    return row?.stage === 'off' ? { kind: 'off' } : { kind: 'disabled' };
  }

  return {
    async receive(token: string, request: WebhookRequest): Promise<WebhookResult> {
      const target = await resolve(token);
      if (!target) return { kind: 'not-found' };
      if (!target.enabled) return { kind: 'disabled' };
      if (target.off) return { kind: 'off' };
      if (!target.connector)
        return {
          kind: 'failed',
          retryable: true,
          message: "The trigger's connector is not installed.",
        };
      const result = await deps.executor.execute({
        connector: target.connector,
        operation: { kind: 'webhook', trigger: target.definition.trigger.trigger, request },
        credentials: target.credentials,
        connection: target.connection,
        settings: target.definition.trigger.settings,
        idempotencyKey: `webhook:${target.integrationId}`,
        timeoutMs: 10_000,
      });
      if (!result.ok) {
        // A body too deep for a plugin host to be sent (or for the plugin to read): refused as
        // an event nested that deep is, pointing into the request.
        const deep =
          result.error.kind === 'invalidInput'
            ? unstorablePart({ body: request.body }, maxDepth)
            : undefined;
        if (deep?.reason === 'too-deep') return { kind: 'unstorable', part: deep, event: 0 };
        return { kind: 'failed', retryable: result.error.retryable, message: result.error.message };
      }
      const outcome = result.output as WebhookOutcome;
      if (outcome.kind === 'rejected') return { kind: 'rejected', reason: outcome.reason };
      const recordKey = target.definition.trigger.recordKey;
      const newEvents = outcome.events.map((event) => ({
        integrationId: target.integrationId,
        dedupeKey: event.dedupeKey,
        sourceRecord: recordKey ? recordIdOf(event.data, recordKey) : null,
        data: event.data,
      }));
      // Refused here, on its own: in the shared batch, PostgreSQL would fail every event with it.
      for (const [index, event] of newEvents.entries()) {
        const part = unstorableEvent(event, maxDepth);
        if (part) return { kind: 'unstorable', part, event: index };
      }
      const events = await deps.ingestor.ingest(newEvents);
      if (events.length > 0 && events.every((e) => e.kind === 'disabled'))
        return refusalOf(target.integrationId);
      return { kind: 'accepted', events };
    },
  };
}

/** The source record's id at a dotted path of the event (own properties only). */
export function recordIdOf(data: unknown, path: string): string | null {
  let current = data;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part))
      return null;
    current = (current as Record<string, unknown>)[part];
  }
  return current === null || current === undefined || typeof current === 'object'
    ? null
    : String(current);
}

/** What of an event PostgreSQL cannot store (its data, dedupe key or record id), if anything. */
function unstorableEvent(
  event: { dedupeKey: string; sourceRecord: string | null; data: unknown },
  maxDepth: number,
): UnstorablePart | undefined {
  const key = textProblem(event.dedupeKey, '');
  if (key) return { ...key, detail: `its dedupe key ${key.detail}` };
  const record = event.sourceRecord === null ? undefined : textProblem(event.sourceRecord, '');
  if (record) return { ...record, detail: `its record id ${record.detail}` };
  return unstorablePart(event.data, maxDepth);
}

import {
  type ConnectorDefinition,
  handleWebhook,
  pollAction,
  type RunContext,
  readCurrentRecord,
  runAction,
  runPoll,
  subscribeWebhook,
  unsubscribeWebhook,
} from '@junction/connector-kit';
import type { Operation } from './operation.js';
import { runRecordCall } from './record-call.js';

/**
 * Runs one operation of `definition` with `ctx`: the same code in Junction's process (trusted
 * plugins) and in a plugin host (every other plugin). Imports connector-kit only.
 */
export async function callOperation(
  definition: ConnectorDefinition,
  operation: Operation,
  ctx: RunContext,
): Promise<unknown> {
  switch (operation.kind) {
    case 'action':
      return runAction(definition, operation.action, ctx, operation.input);
    case 'action-poll':
      return pollAction(definition, operation.action, ctx, operation.state);
    case 'action-current':
      return readCurrentRecord(definition, operation.action, ctx, operation.input);
    case 'action-hook': {
      const action = definition.actions?.find((a) => a.key === operation.action);
      if (!action) throw new Error(`no action "${operation.action}"`);
      const input = operation.input as never;
      return operation.hook === 'timeoutMs'
        ? action.timeoutMs?.(input)
        : action.idempotentWhen?.({ input, credentials: ctx.credentials });
    }
    case 'record':
      return runRecordCall(definition, operation.recordType, operation.call, ctx);
    case 'test':
      return definition.auth.test ? definition.auth.test(ctx) : { ok: true, tested: false };
    case 'poll': {
      const trigger = definition.triggers?.find((t) => t.key === operation.trigger);
      if (trigger?.kind !== 'polling') throw new Error(`no polling trigger "${operation.trigger}"`);
      return runPoll(trigger, ctx, operation.cursor);
    }
    case 'webhook': {
      const trigger = definition.triggers?.find((t) => t.key === operation.trigger);
      if (trigger?.kind !== 'webhook') throw new Error(`no webhook trigger "${operation.trigger}"`);
      return handleWebhook(trigger, operation.request, ctx);
    }
    case 'subscribe':
    case 'unsubscribe': {
      const trigger = definition.triggers?.find((t) => t.key === operation.trigger);
      if (trigger?.kind !== 'webhook') throw new Error(`no webhook trigger "${operation.trigger}"`);
      return operation.kind === 'subscribe'
        ? subscribeWebhook(trigger, ctx, { webhookUrl: operation.webhookUrl })
        : unsubscribeWebhook(trigger, ctx, operation.subscription);
    }
  }
}

export function describeOperation(operation: Operation): string {
  switch (operation.kind) {
    case 'action':
      return `action "${operation.action}"`;
    case 'action-poll':
      return `the poll of action "${operation.action}"`;
    case 'action-current':
      return `reading the current record for action "${operation.action}"`;
    case 'action-hook':
      return `${operation.hook} of action "${operation.action}"`;
    case 'record':
      return `${operation.call.op} of record type "${operation.recordType}"`;
    case 'test':
      return 'the connection test';
    case 'poll':
    case 'webhook':
      return `trigger "${operation.trigger}"`;
    case 'subscribe':
    case 'unsubscribe':
      return `${operation.kind} of trigger "${operation.trigger}"`;
  }
}

import { checkActionOutput, type InputProblem } from '@junction/connector-kit';
import type { Kysely } from 'kysely';
import type { ConnectorSource } from '../connectors/connector-source.js';
import type { Database } from '../db/schema.js';
import { lockWait, type SettleRefusal, settleWait } from './settle-wait.js';
import type { WaitSigner } from './wait-tokens.js';

export type CallbackOutcome =
  | { readonly kind: 'resumed'; readonly runId: string }
  | { readonly kind: 'forged' }
  | { readonly kind: 'invalid'; readonly problems: readonly InputProblem[] }
  | { readonly kind: 'expired'; readonly deadline: Date }
  | SettleRefusal;

/**
 * `POST /callbacks/{token}`: settles a step parked with `ctx.wait({ callback: true })`. The token
 * is verified first (a forged one reads nothing); the body, the step's output, is checked against
 * the action's output fields; the wait is settled at most once, and only before its deadline,
 * together with its step row, its run queued again and its audit entry (one transaction).
 */
export function createCallbackReceiver(deps: {
  db: Kysely<Database>;
  connectors: ConnectorSource;
  signer: WaitSigner;
}) {
  return async function receive(
    token: string,
    body: unknown,
    requestId?: string,
  ): Promise<CallbackOutcome> {
    const waitId = deps.signer.verify(token);
    if (!waitId) return { kind: 'forged' };
    return deps.db.transaction().execute(async (trx): Promise<CallbackOutcome> => {
      const locked = await lockWait(trx, waitId);
      if (!locked.ok) {
        const { ok: _, ...refusal } = locked;
        return refusal;
      }
      const { wait } = locked;
      if (wait.kind !== 'callback') return { kind: 'forged' };
      if (wait.deadline && new Date(wait.deadline).getTime() <= Date.now())
        return { kind: 'expired', deadline: new Date(wait.deadline) };
      const connector = deps.connectors.get(wait.connector_id, wait.connector_version);
      if (connector) {
        const problems = checkActionOutput(connector.definition, wait.action_key, body);
        if (problems.length > 0) return { kind: 'invalid', problems };
      }
      await settleWait(
        trx,
        locked,
        { kind: 'output', output: body },
        {
          actor: 'callback',
          action: 'wait.resume',
          ...(requestId ? { requestId } : {}),
          data: { step: `${wait.route_key}/${wait.step_key}`, kind: 'callback', output: body },
        },
      );
      return { kind: 'resumed', runId: wait.run_id };
    });
  };
}

export type CallbackReceiver = ReturnType<typeof createCallbackReceiver>;

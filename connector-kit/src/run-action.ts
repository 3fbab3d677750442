import type { ActionDefinition } from './action.js';
import { applySettings } from './apply-settings.js';
import type { ConnectorDefinition } from './define-connector.js';
import { ConnectorError, InvalidInputError, RetryableError, toConnectorError } from './errors.js';
import type { RunContext } from './run-context.js';
import { validateFields } from './validate-fields.js';
import { isWaitRequest } from './wait.js';
import { withSignal } from './with-signal.js';

/**
 * Options of {@link createActionRunner}.
 *
 * @example
 * ```ts
 * createActionRunner(connector, { timeoutMs: 120_000, checkOutput: true });
 * ```
 */
export interface ActionRunnerOptions {
  /**
   * Fails the run with a `RetryableError` after this long, and aborts its signal and its
   * requests through `ctx.http`; default none.
   */
  readonly timeoutMs?: number;
  /** Check the result against the action's `output` fields; default `true`. */
  readonly checkOutput?: boolean;
}

/**
 * Runs actions of one connector: input checked first, errors normalised to `ConnectorError`.
 *
 * @example
 * ```ts
 * const output = await runner.run('create-contact', ctx, input);
 * ```
 */
export interface ActionRunner {
  run(actionKey: string, ctx: RunContext, input: unknown): Promise<Record<string, unknown>>;
}

function findAction(connector: ConnectorDefinition, key: string): ActionDefinition {
  const action = connector.actions?.find((a) => a.key === key);
  if (!action) {
    throw new InvalidInputError(`Connector "${connector.id}" has no action "${key}".`, {
      problems: [{ pointer: '', message: `unknown action "${key}"` }],
    });
  }
  return action;
}

async function withTimeout<T>(
  ctx: RunContext,
  timeoutMs: number | undefined,
  work: (ctx: RunContext) => Promise<T>,
): Promise<T> {
  if (timeoutMs === undefined) return work(ctx);
  const controller = new AbortController();
  const signal = AbortSignal.any([ctx.signal, controller.signal]);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new RetryableError(`The operation did not finish within ${timeoutMs} ms.`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([work(withSignal(ctx, signal)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Creates the runner the engine calls for actions. Before `run`, the input is checked against
 * the action's fields (all problems, JSON pointers) and a bad input is refused with
 * {@link InvalidInputError}; so are `ctx.settings` against the action's `settings` fields
 * (pointers under `/settings`); defaults are filled in. Anything `run` throws comes out as a
 * `ConnectorError`: its own kind when it threw one, else kind `unknown` (retryable) with the
 * plugin's message and the original error as `cause`.
 *
 * @example
 * ```ts
 * const runner = createActionRunner(connector, { timeoutMs: 60_000 });
 * const output = await runner.run('create-contact', ctx, { email: 'ann@example.com' });
 * ```
 */
export function createActionRunner(
  connector: ConnectorDefinition,
  options: ActionRunnerOptions = {},
): ActionRunner {
  return {
    async run(actionKey, ctx, input) {
      const action = findAction(connector, actionKey);
      const checked = validateFields(action.input, input);
      if (checked.problems.length > 0) {
        const list = checked.problems.map((p) => `${p.pointer || '/'} ${p.message}`).join('; ');
        throw new InvalidInputError(`Invalid input for "${action.key}": ${list}`, {
          problems: checked.problems,
        });
      }
      const settled = applySettings(action.settings, ctx, `action "${action.key}"`);
      let output: Record<string, unknown>;
      try {
        output = (await withTimeout(settled, options.timeoutMs, (c) =>
          action.run(c, checked.value as never),
        )) as Record<string, unknown>;
      } catch (thrown) {
        throw toConnectorError(thrown);
      }
      // A wait parks the run: its output comes later (callback, poll) and is checked then.
      if (isWaitRequest(output)) return output;
      if (options.checkOutput !== false) {
        const problems = validateFields(action.output, output).problems;
        if (problems.length > 0) {
          const list = problems.map((p) => `${p.pointer || '/'} ${p.message}`).join('; ');
          throw new ConnectorError(
            `Action "${action.key}" returned output that does not match its fields: ${list}`,
            {
              kind: 'unknown',
            },
          );
        }
      }
      return output;
    },
  };
}

/**
 * Runs one action of a connector with input checking; see {@link createActionRunner}.
 *
 * @example
 * ```ts
 * const { id } = await runAction(connector, 'create-contact', ctx, { email: 'ann@example.com' });
 * ```
 */
export function runAction(
  connector: ConnectorDefinition,
  actionKey: string,
  ctx: RunContext,
  input: unknown,
  options?: ActionRunnerOptions,
): Promise<Record<string, unknown>> {
  return createActionRunner(connector, options).run(actionKey, ctx, input);
}

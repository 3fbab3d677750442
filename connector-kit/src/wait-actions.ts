import type { ActionDefinition } from './action.js';
import { applySettings } from './apply-settings.js';
import type { ConnectorDefinition } from './define-connector.js';
import { type InputProblem, InvalidInputError, toConnectorError } from './errors.js';
import type { RunContext } from './run-context.js';
import { validateFields } from './validate-fields.js';
import type { PollOutcome } from './wait.js';

function actionOf(connector: ConnectorDefinition, key: string): ActionDefinition {
  const action = connector.actions?.find((a) => a.key === key);
  if (!action) throw new InvalidInputError(`Connector "${connector.id}" has no action "${key}".`);
  return action;
}

/**
 * Checks what settles a parked step (a callback's body, a poll's output) against the action's
 * `output` fields; returns the problems, empty when it fits.
 *
 * @example
 * ```ts
 * const problems = checkActionOutput(connector, 'start-export', { fileUrl: 'https://...' });
 * ```
 */
export function checkActionOutput(
  connector: ConnectorDefinition,
  actionKey: string,
  output: unknown,
): readonly InputProblem[] {
  return validateFields(actionOf(connector, actionKey).output, output).problems;
}

/**
 * Runs an action's `poll` for a parked step, as the platform does on its schedule: settings
 * applied, a `done` output checked against the action's `output` fields (a mismatch is an
 * `InvalidInputError`), anything thrown normalised to a `ConnectorError`.
 *
 * @example
 * ```ts
 * const outcome = await pollAction(connector, 'start-export', ctx, { jobId: 'j1' });
 * ```
 */
export async function pollAction(
  connector: ConnectorDefinition,
  actionKey: string,
  ctx: RunContext,
  state: unknown,
): Promise<PollOutcome> {
  const action = actionOf(connector, actionKey);
  if (!action.poll)
    throw new InvalidInputError(`Action "${actionKey}" waits with a poll but has no poll().`);
  let outcome: PollOutcome;
  try {
    outcome = (await action.poll(
      applySettings(action.settings, ctx, `action "${action.key}"`) as never,
      state,
    )) as PollOutcome;
  } catch (thrown) {
    throw toConnectorError(thrown);
  }
  if (outcome.done) {
    const problems = validateFields(action.output, outcome.output).problems;
    if (problems.length > 0)
      throw new InvalidInputError(
        `Action "${actionKey}" polled an output that does not match its fields: ${problems.map((p) => `${p.pointer || '/'} ${p.message}`).join('; ')}`,
        { problems },
      );
  }
  return outcome;
}

/**
 * The target's current record for an input, through the action's `current` (undefined when the
 * action cannot read it): what a reviewer's diff compares the proposal with.
 *
 * @example
 * ```ts
 * const before = await readCurrentRecord(connector, 'upsert-row', ctx, input);
 * ```
 */
export async function readCurrentRecord(
  connector: ConnectorDefinition,
  actionKey: string,
  ctx: RunContext,
  input: unknown,
): Promise<Record<string, unknown> | null | undefined> {
  const action = actionOf(connector, actionKey);
  if (!action.current) return undefined;
  const checked = validateFields(action.input, input);
  if (checked.problems.length > 0) return undefined;
  try {
    return await action.current(
      applySettings(action.settings, ctx, `action "${action.key}"`) as never,
      checked.value as never,
    );
  } catch (thrown) {
    throw toConnectorError(thrown);
  }
}

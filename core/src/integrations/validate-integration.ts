import { type ConnectorDefinition, type FieldSet, validateFields } from '@junction/connector-kit';
import type { ConnectorSource, ResolvedConnector } from '../connectors/connector-source.js';
import { pollIntervalProblem } from '../engine/poll-schedule.js';
import type { Expression } from '../mapping/index.js';
import { collectVarPaths, validateExpression } from '../mapping/index.js';
import type { ActionStep, IntegrationDefinition } from './integration-definition.js';
import { checkVarPath, type MappingScope } from './var-path-check.js';

/** One problem in a definition, at a JSON pointer into it. */
export interface DefinitionProblem {
  readonly pointer: string;
  readonly detail: string;
}

/** What the validator needs to know about stored connections. */
export type ConnectionLookup = (id: string) => { readonly connector: string } | undefined;

export interface IntegrationCheck {
  readonly problems: readonly DefinitionProblem[];
  /** The definition with every connector version pinned (the newest installed when omitted). */
  readonly pinned: IntegrationDefinition;
}

export const escapePointerPart = (part: string) => part.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Checks a whole integration against the installed connectors and stored connections and
 * returns every problem at once: unknown connector, version, trigger, action or connection;
 * unknown or unmapped fields; invalid or disallowed expressions; `var` paths that the trigger's
 * output (or an earlier step's output) does not have; constants of the wrong type.
 */
export function validateIntegration(
  definition: IntegrationDefinition,
  connectors: ConnectorSource,
  connections: ConnectionLookup,
): IntegrationCheck {
  const problems: DefinitionProblem[] = [];
  const add = (pointer: string, detail: string) => problems.push({ pointer, detail });
  const pinned = structuredClone(definition);

  const resolve = (
    pointer: string,
    ref: { connector: string; version?: string; connection?: string },
  ) => resolveConnectorRef(pointer, ref, connectors, connections, add);

  const triggerConnector = resolve('/trigger', definition.trigger);
  let eventFields: FieldSet | undefined;
  if (triggerConnector) {
    pinned.trigger.version = triggerConnector.version;
    const trigger = triggerConnector.definition.triggers?.find(
      (t) => t.key === definition.trigger.trigger,
    );
    if (!trigger) {
      add(
        '/trigger/trigger',
        `"${definition.trigger.connector}" has no trigger "${definition.trigger.trigger}" (it has: ${keys(triggerConnector.definition.triggers)})`,
      );
    } else {
      eventFields = trigger.output;
      // `intervalSeconds` of a polling trigger is the platform's setting (poll-schedule.ts).
      const { intervalSeconds, ...pluginSettings } = definition.trigger.settings ?? {};
      const polling = trigger.kind === 'polling' && intervalSeconds !== undefined;
      const interval = polling ? pollIntervalProblem(intervalSeconds) : undefined;
      if (interval) add('/trigger/settings/intervalSeconds', interval);
      const given = polling ? pluginSettings : definition.trigger.settings;
      checkSettings('/trigger/settings', trigger.settings, given, add);
      const { recordKey } = definition.trigger;
      if (recordKey !== undefined) {
        const why = checkVarPath(`event.${recordKey}`, { event: trigger.output, steps: new Map() });
        if (why) add('/trigger/recordKey', why);
      }
    }
  }

  definition.routes.forEach((route, r) => {
    const base = `/routes/${r}`;
    const scope: Scope = {
      event: eventFields,
      steps: new Map<string, FieldSet>(),
      links: new Set<string>(),
    };
    if (route.when !== undefined) checkExpression(`${base}/when`, route.when, scope, add);
    const seen = new Set<string>();
    route.steps.forEach((step, s) => {
      const at = `${base}/steps/${s}`;
      if (seen.has(step.key))
        add(`${at}/key`, `step key "${step.key}" is used twice in this route`);
      seen.add(step.key);
      if (step.kind === 'filter') {
        checkExpression(`${at}/when`, step.when, scope, add);
        return;
      }
      if (step.kind === 'review') {
        const next = route.steps[s + 1];
        if (next?.kind !== 'action')
          add(`${at}/kind`, 'a review step must come right before the action step it reviews');
        else if (next.gate !== undefined)
          add(
            `${base}/steps/${s + 1}/gate`,
            'this step is reviewed always (the review step before it): leave out its gate',
          );
        if (step.confidence !== undefined)
          checkExpression(`${at}/confidence`, step.confidence, scope, add);
        return;
      }
      if (step.gate !== undefined) {
        checkExpression(`${at}/gate/review`, step.gate.review, scope, add);
        if (step.gate.confidence !== undefined)
          checkExpression(`${at}/gate/confidence`, step.gate.confidence, scope, add);
      }
      const connector = resolve(at, step);
      if (!connector) return;
      scope.links.add(step.key);
      (pinned.routes[r]?.steps[s] as ActionStep).version = connector.version;
      const output = checkActionStep(at, step, connector.definition, scope, add);
      if (output) scope.steps.set(step.key, output);
    });
  });
  return { problems, pinned };
}

type Add = (pointer: string, detail: string) => void;

/**
 * The installed connector a reference names (its version when given), with a problem at
 * `pointer` when it is not installed, needs a connection it lacks, or names a connection that is
 * missing or of another connector.
 */
export function resolveConnectorRef(
  pointer: string,
  ref: { connector: string; version?: string | undefined; connection?: string | undefined },
  connectors: ConnectorSource,
  connections: ConnectionLookup,
  add: Add,
): ResolvedConnector | undefined {
  const found = connectors.get(ref.connector, ref.version);
  if (!found) {
    const versions = connectors.versions(ref.connector);
    if (versions.length === 0)
      add(`${pointer}/connector`, `no connector "${ref.connector}" is installed`);
    else
      add(
        `${pointer}/version`,
        `version ${ref.version} of "${ref.connector}" is not installed (installed: ${versions.join(', ')})`,
      );
    return undefined;
  }
  if (ref.connection === undefined) {
    if (found.definition.auth.kind !== 'none')
      add(`${pointer}/connection`, `"${ref.connector}" needs a connection`);
  } else {
    const connection = connections(ref.connection);
    if (!connection) add(`${pointer}/connection`, `no connection "${ref.connection}"`);
    else if (connection.connector !== ref.connector) {
      add(
        `${pointer}/connection`,
        `connection "${ref.connection}" is for "${connection.connector}", not "${ref.connector}"`,
      );
    }
  }
  return found;
}
type Scope = { event: FieldSet | undefined; steps: Map<string, FieldSet>; links: Set<string> };

function checkActionStep(
  at: string,
  step: ActionStep,
  connector: ConnectorDefinition,
  scope: Scope,
  add: Add,
): FieldSet | undefined {
  const action = connector.actions?.find((a) => a.key === step.action);
  if (!action) {
    add(
      `${at}/action`,
      `"${connector.id}" has no action "${step.action}" (it has: ${keys(connector.actions)})`,
    );
    return undefined;
  }
  checkSettings(`${at}/settings`, action.settings, step.settings, add);
  const linked =
    step.linkedAction === undefined
      ? undefined
      : connector.actions?.find((a) => a.key === step.linkedAction);
  if (step.linkedAction !== undefined) {
    if (!linked) {
      add(
        `${at}/linkedAction`,
        `"${connector.id}" has no action "${step.linkedAction}" (it has: ${keys(connector.actions)})`,
      );
    } else {
      for (const [name, input] of Object.entries(linked.input)) {
        if (
          input.required !== false &&
          input.default === undefined &&
          !Object.hasOwn(step.mapping, name)
        ) {
          add(
            `${at}/mapping`,
            `required input field "${name}" of "${step.linkedAction}" is not mapped`,
          );
        }
      }
    }
  }
  for (const [name, expression] of Object.entries(step.mapping)) {
    const pointer = `${at}/mapping/${escapePointerPart(name)}`;
    const target = Object.hasOwn(action.input, name)
      ? action.input[name]
      : linked && Object.hasOwn(linked.input, name)
        ? linked.input[name]
        : undefined;
    if (!target) {
      add(
        pointer,
        `"${step.action}" has no input field "${name}" (it has: ${Object.keys(action.input).join(', ')})`,
      );
      continue;
    }
    if (checkExpression(pointer, expression, scope, add) && isConstant(expression)) {
      for (const problem of validateFields({ [name]: target }, { [name]: expression }).problems) {
        add(
          pointer,
          `constant ${JSON.stringify(expression)} does not fit the field: ${problem.message}`,
        );
      }
    }
  }
  for (const [name, input] of Object.entries(action.input)) {
    if (
      input.required !== false &&
      input.default === undefined &&
      !Object.hasOwn(step.mapping, name)
    ) {
      add(`${at}/mapping`, `required input field "${name}" of "${step.action}" is not mapped`);
    }
  }
  return action.output;
}

/** Validates one expression and its var paths; true when the expression itself is valid. */
function checkExpression(pointer: string, expression: unknown, scope: Scope, add: Add): boolean {
  const invalid = validateExpression(expression);
  for (const problem of invalid) add(`${pointer}${problem.pointer}`, problem.message);
  if (invalid.length > 0) return false;
  if (scope.event) {
    const mappingScope: MappingScope = {
      event: scope.event,
      steps: scope.steps,
      links: scope.links,
    };
    for (const path of collectVarPaths(expression as Expression)) {
      const why = checkVarPath(path, mappingScope);
      if (why) add(pointer, why);
    }
  }
  return true;
}

/** Checks the settings an integration gives a trigger or action against the fields it declares. */
export function checkSettings(
  pointer: string,
  fields: FieldSet | undefined,
  given: Record<string, unknown> | undefined,
  add: Add,
): void {
  for (const problem of validateFields(fields ?? {}, given ?? {}).problems) {
    add(`${pointer}${problem.pointer}`, problem.message);
  }
}

function isConstant(expression: unknown): boolean {
  return expression === null || ['string', 'number', 'boolean'].includes(typeof expression);
}

function keys(list: readonly { key: string }[] | undefined): string {
  return list?.length ? list.map((item) => item.key).join(', ') : 'none';
}
